// The Portkey AI gateway (`@portkey-ai/gateway` from npm, a Node process that proxies one hop) as the
// peer `gateway-vs-peer` races against, routed to the same fake OpenAI server as everything else.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, REPO_ROOT, requireFromRoot, waitUntilReady } from './platform.mjs';

const PACKAGE = '@portkey-ai/gateway';

export function portkeyVersion() {
  return requireFromRoot(`${PACKAGE}/package.json`).version;
}

/** Starts Portkey headless on a free loopback port; resolves once it answers HTTP. */
export async function startPortkey({ readyTimeoutMs = 20_000 } = {}) {
  const port = await freePort();
  const entry = join(requireFromRoot.resolve(`${PACKAGE}/package.json`), '..', 'build', 'start-server.js');
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(REPO_ROOT, 'tools/bench/lib/portkey-fetch-preload.mjs'),
      entry,
      `--port=${port}`,
      '--headless',
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let errors = '';
  child.stderr.on('data', (chunk) => (errors = (errors + chunk.toString()).slice(-4_000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const peer = {
    name: 'portkey',
    version: portkeyVersion(),
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid,
    alive,
    output: () => errors,
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await waitUntilReady({
    label: 'Portkey',
    url: `${peer.baseUrl}/`,
    alive,
    output: peer.output,
    stop: () => peer.stop(),
    timeoutMs: readyTimeoutMs,
  });
  return peer;
}

/** Portkey's per-request routing: provider `openai` at a custom host (the fake's `/v1` URL). */
export function portkeyRoutingHeaders(providerBaseUrl) {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': providerBaseUrl };
}
