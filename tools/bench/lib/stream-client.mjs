// The load generator's client: one code path (fetch + the shared SSE parser + JSON.parse per event)
// for both the direct OpenAI stream and the gateway's SSE stream, so the difference between the two
// is the platform and nothing else.
import { performance } from 'node:perf_hooks';
import { requireFromRoot } from './platform.mjs';

// Loaded on first use, so a missing build is reported by the benchmark's own check, not an import error.
let readSse = null;
const sseParser = () => (readSse ??= requireFromRoot('@conduit/testing').readSse);

/** Token i of every benchmark answer (the fake streams exactly these, in this order). */
export const benchToken = (i) => ` t${i}`;
export const benchTokens = (count) => Array.from({ length: count }, (_, i) => benchToken(i));
/** The marker in a prompt that tells the fake how many tokens to stream. */
export const tokensTag = (count) => `[bench tokens=${count}]`;

/**
 * One streamed request. `onEvent(data, event)` returns `'token'` with the token text, `'end'` at the
 * terminal event, an `Error`-like `{ error }` for an error event, or nothing for other events.
 * TTFT is from just before `fetch` to the first parsed token, last-token time to the last one; total is
 * to the terminal event.
 */
async function timedStream(url, init, expected, classify) {
  const result = {
    ok: false,
    ttftMs: null,
    lastTokenMs: null,
    totalMs: null,
    received: 0,
    lost: 0,
    reordered: 0,
    duplicated: 0,
    seqErrors: 0,
    error: null,
  };
  const seen = new Uint8Array(expected);
  const start = performance.now();
  let ended = false;
  try {
    const response = await fetch(url, init);
    if (response.status !== 200) {
      result.error = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
      return result;
    }
    for await (const message of sseParser()(response.body)) {
      if (ended) continue; // drain to the end of the body, so the connection is reused
      const outcome = classify(message, result);
      if (outcome === undefined) continue;
      if (outcome.token !== undefined) {
        const at = result.received;
        result.lastTokenMs = performance.now() - start;
        result.ttftMs ??= result.lastTokenMs;
        result.received += 1;
        const index = parseTokenIndex(outcome.token);
        if (index === null || index >= expected) result.reordered += 1;
        else {
          if (seen[index]) result.duplicated += 1;
          seen[index] = 1;
          if (index !== at) result.reordered += 1;
        }
      } else if (outcome.end) {
        result.totalMs = performance.now() - start;
        ended = true;
      } else if (outcome.error) {
        result.error = outcome.error;
        result.totalMs = performance.now() - start;
        ended = true;
      }
    }
    if (!ended) result.error ??= 'the stream ended without a terminal event';
  } catch (error) {
    result.error = `client: ${error instanceof Error ? (error.cause?.message ?? error.message) : String(error)}`;
  }
  let distinct = 0;
  for (const flag of seen) distinct += flag;
  result.lost = expected - distinct;
  result.ok = result.error === null && result.lost === 0 && result.reordered === 0 && result.seqErrors === 0;
  return result;
}

function parseTokenIndex(token) {
  if (!token.startsWith(' t')) return null;
  const index = Number(token.slice(2));
  return Number.isInteger(index) && index >= 0 ? index : null;
}

/**
 * One streamed request in OpenAI's chat-completions protocol (the SSE chunk format, ending with
 * `data: [DONE]`) to any server that speaks it: the (fake) provider itself, a peer gateway in front of
 * it, or the platform's `/v1`. `headers` add to the usual ones (say, a peer's routing headers).
 */
export function openAiStream({ url, authorization, headers = {}, model, tokens, content }) {
  return timedStream(
    url,
    {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...headers,
      },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: `${content} ${tokensTag(tokens)}` }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    },
    tokens,
    (message) => {
      if (message.data === '[DONE]') return { end: true };
      const chunk = JSON.parse(message.data);
      if (chunk.error)
        return { error: `${chunk.error.code ?? chunk.error.type ?? 'error'}: ${chunk.error.message}` };
      const text = chunk.choices?.[0]?.delta?.content;
      return typeof text === 'string' && text.length > 0 ? { token: text } : undefined;
    },
  );
}

/** Straight to the (fake) OpenAI server. */
export function directStream({ baseUrl, apiKey, tokens, content }) {
  return openAiStream({
    url: `${baseUrl}/chat/completions`,
    authorization: `Bearer ${apiKey}`,
    model: 'gpt-4o-mini',
    tokens,
    content,
  });
}

/** Through the gateway: `POST /api/v1/chat/sessions/:id/messages`, SSE events delta/usage/done/error with seq. */
export function gatewayStream({ baseUrl, accessToken, sessionId, tokens, content }) {
  let nextSeq = 0;
  return timedStream(
    `${baseUrl}/api/v1/chat/sessions/${sessionId}/messages`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ content: `${content} ${tokensTag(tokens)}`, stream: true }),
    },
    tokens,
    (message, result) => {
      const event = JSON.parse(message.data);
      if (event.seq !== nextSeq) result.seqErrors += 1;
      nextSeq = event.seq + 1;
      switch (event.type) {
        case 'delta':
          return { token: event.text };
        case 'done':
          return { end: true };
        case 'error':
          return { error: `${event.error?.code}: ${event.error?.message}` };
        default:
          return undefined;
      }
    },
  );
}
