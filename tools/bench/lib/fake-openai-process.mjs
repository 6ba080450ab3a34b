// The fake OpenAI server (the real one from @conduit/testing) in a process of its own, so its pacing
// timers and writes never share an event loop with the load generator that takes the timestamps.
//
// Every streamed answer is tokens ` t0`, ` t1`, ... so a client can check order and completeness.
// How many tokens a request gets is read from its last message, `[bench tokens=K]` (default --tokens).
// A request that offers tools (an agent's step) is answered as the offline agent model answers: each line
// `call <tool> {json}` of a last user message becomes a call of that tool (all in one step), and a step
// after tool results says it is done. --first-token-ms sets the wait before an answer's first token (a
// fixed model latency; agents' steps are answered with one token, so each step takes that long).
// Prints one JSON line `{"url": ..., "origin": ...}` when listening; exits when stdin closes or on SIGTERM.
import { requireFromRoot } from './platform.mjs';
import { benchTokens } from './stream-client.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value];
  }),
);
const defaultTokens = Number(args.tokens ?? 50);
const intervalMs = Number(args['interval-ms'] ?? 10);
const firstTokenMs = args['first-token-ms'] === undefined ? undefined : Number(args['first-token-ms']);
const TOOL_REQUEST = /^\s*call\s+([a-zA-Z0-9_-]{1,64})\s+(\{.*\})\s*$/gm;
const apiKey = args['api-key'] ?? 'sk-bench-fake-provider-key';

const tokenLists = new Map();
const tokensFor = (count) => {
  let list = tokenLists.get(count);
  if (!list) tokenLists.set(count, (list = benchTokens(count)));
  return list;
};

const { startFakeOpenAI } = requireFromRoot('@conduit/testing');
const fake = await startFakeOpenAI({
  apiKey,
  tokenIntervalMs: intervalMs,
  recordRequests: false,
  ...(firstTokenMs === undefined ? {} : { firstTokenDelayMs: firstTokenMs }),
  behavior: (body) => {
    const last = body.messages.at(-1);
    const text = typeof last?.content === 'string' ? last.content : '';
    if (body.tools?.length > 0) {
      const calls = last?.role === 'user' ? [...text.matchAll(TOOL_REQUEST)] : [];
      if (calls.length === 0) return { kind: 'answer', tokens: ['Done.'] };
      const toolCalls = calls.map((m) => ({ name: m[1], arguments: m[2] }));
      return { kind: 'answer', tokens: ['.'], toolCalls };
    }
    const match = /\[bench tokens=(\d+)\]/.exec(text);
    return { kind: 'answer', tokens: tokensFor(match ? Number(match[1]) : defaultTokens) };
  },
});
process.stdout.write(`${JSON.stringify({ url: fake.url, origin: fake.origin, pid: process.pid })}\n`);

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  void fake.close().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
