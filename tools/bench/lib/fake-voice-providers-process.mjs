// The voice benchmark's providers, each the real fake from @conduit/testing speaking its wire protocol,
// in a process of their own (so their timers never share an event loop with the load generator):
//   - OpenAI chat completions: the reply's first token after --llm-ms, the rest --token-interval-ms apart;
//   - Deepgram live: `CloseStream` (the end of a turn) answered with the last transcript after --stt-ms;
//   - ElevenLabs streaming speech: the first audio chunk after --tts-ms, numbered samples (`counter`), so
//     the client can check no frame was lost or reordered.
// Prints one JSON line with their URLs when listening; exits when stdin closes or on SIGTERM.
import { requireFromRoot } from './platform.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value];
  }),
);
const number = (name) => {
  const value = Number(args[name]);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number`);
  return value;
};

const { startFakeOpenAI, startFakeDeepgram, startFakeElevenLabs } = requireFromRoot('@conduit/testing');
const [llm, stt, tts] = await Promise.all([
  startFakeOpenAI({
    apiKey: args['openai-key'],
    defaultAnswer: JSON.parse(args['answer-tokens']),
    firstTokenDelayMs: number('llm-ms'),
    tokenIntervalMs: number('token-interval-ms'),
    recordRequests: false,
  }),
  startFakeDeepgram({ apiKey: args['deepgram-key'], finalizeDelayMs: number('stt-ms') }),
  startFakeElevenLabs({
    apiKey: args['elevenlabs-key'],
    firstChunkDelayMs: number('tts-ms'),
    chunkIntervalMs: number('tts-chunk-interval-ms'),
    chunkBytes: number('tts-chunk-bytes'),
    chunks: number('tts-chunks'),
    samples: 'counter',
  }),
]);
process.stdout.write(
  `${JSON.stringify({ openaiUrl: llm.url, deepgramUrl: stt.url, elevenLabsUrl: tts.url, pid: process.pid })}\n`,
);

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  void Promise.allSettled([llm.close(), stt.close(), tts.close()]).finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
