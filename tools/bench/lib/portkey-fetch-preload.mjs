// Preloaded (`node --import`) into the Portkey gateway for `gateway-vs-peer`. Portkey 1.15.2 edits the
// headers of the Response that `fetch` gives it; on Node 20 those headers are immutable, so every
// streamed request fails with `TypeError: immutable` (its issues #1389 and #1550). Handing it a
// Response with a mutable copy of the headers, as its own later fix does, makes it work unchanged.
const originalFetch = globalThis.fetch;

globalThis.fetch = async function fetchWithMutableHeaders(...args) {
  const response = await originalFetch(...args);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
};
