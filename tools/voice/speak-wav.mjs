#!/usr/bin/env node
// Speaks a WAV file over /ws/voice at real-time pace and saves the spoken answer as a WAV file.
//
//   CONDUIT_URL=http://localhost:3000 CONDUIT_TOKEN=<access token or API key> \
//     node tools/voice/speak-wav.mjs question.wav reply.wav
//
// The input must be mono 16-bit PCM at 8, 16, 24 or 48 kHz (`sox in.wav -r 16000 -c 1 -b 16 out.wav`).
// Prints the session's events (transcripts, the answer's text, the turn's metrics) as they come.
import { readFileSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';

const FRAME_MS = 20;
const TRAILING_SILENCE_MS = 1_500;

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node tools/voice/speak-wav.mjs <question.wav> <reply.wav>');
  process.exit(2);
}
const baseUrl = process.env.CONDUIT_URL ?? 'http://localhost:3000';
const token = process.env.CONDUIT_TOKEN;
if (!token) {
  console.error('CONDUIT_TOKEN must hold an access token or an API key');
  process.exit(2);
}

const { sampleRate, pcm } = readWav(readFileSync(input));
const frameBytes = (sampleRate * FRAME_MS * 2) / 1000;
const audio = Buffer.concat([pcm, Buffer.alloc((sampleRate * TRAILING_SILENCE_MS * 2) / 1000)]);

const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/voice`, {
  headers: { authorization: `Bearer ${token}` },
});
const reply = [];
let replySampleRate = sampleRate;
let sender = null;

socket.on('unexpected-response', (_request, response) => {
  console.error(`the gateway refused the connection: HTTP ${response.statusCode}`);
  process.exit(1);
});
socket.on('open', () =>
  socket.send(JSON.stringify({ type: 'start', sampleRate, encoding: 'pcm16', outputFormat: 'pcm16' })),
);
socket.on('message', (data, isBinary) => {
  if (isBinary) return void reply.push(Buffer.from(data));
  const event = JSON.parse(data.toString());
  switch (event.type) {
    case 'ready':
      replySampleRate = event.outputSampleRate;
      console.log(`ready: chat session ${event.sessionId}, stt ${event.stt}, tts ${event.tts}`);
      sender = streamAudio();
      break;
    case 'response.delta':
      process.stdout.write(event.text);
      break;
    case 'audio.started':
      break;
    case 'turn.metrics':
      console.log(`\nturn.metrics ${JSON.stringify(event.metrics)}`);
      socket.send(JSON.stringify({ type: 'stop' }));
      break;
    case 'error':
      console.error(`\nerror ${event.code}: ${event.message}${event.fatal ? ' (session over)' : ''}`);
      break;
    default:
      console.log(`${event.type}${event.text !== undefined ? `: ${event.text}` : ''}`);
  }
});
socket.on('close', (code) => {
  if (sender) clearInterval(sender);
  const bytes = Buffer.concat(reply);
  writeFileSync(output, wavOf(bytes, replySampleRate));
  console.log(
    `saved ${(bytes.length / 2 / replySampleRate).toFixed(2)} s of the answer to ${output} (close ${code})`,
  );
});

/** Sends the file in 20 ms frames, one per 20 ms of wall clock, as a microphone would. */
function streamAudio() {
  const started = Date.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.min(audio.length, Math.floor((Date.now() - started) / FRAME_MS + 1) * frameBytes);
    while (sent < due && socket.readyState === WebSocket.OPEN) {
      socket.send(audio.subarray(sent, Math.min(sent + frameBytes, audio.length)));
      sent += frameBytes;
    }
    if (sent >= audio.length) clearInterval(timer);
  }, FRAME_MS);
  return timer;
}

// A WAV file's format and samples: the few RIFF chunks a PCM file has, read by hand to keep this
// script free of dependencies beyond `ws`.
function readWav(file) {
  if (file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE')
    throw new Error('not a WAV file');
  let format = null;
  for (let at = 12; at + 8 <= file.length;) {
    const id = file.toString('ascii', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    const body = file.subarray(at + 8, at + 8 + size);
    if (id === 'fmt ')
      format = {
        codec: body.readUInt16LE(0),
        channels: body.readUInt16LE(2),
        rate: body.readUInt32LE(4),
        bits: body.readUInt16LE(14),
      };
    if (id === 'data') {
      if (!format || format.codec !== 1 || format.channels !== 1 || format.bits !== 16)
        throw new Error('the WAV file must be mono 16-bit PCM');
      // espeak-ng and some tools write 0xFFFFFFFF as the size of a streamed data chunk.
      return { sampleRate: format.rate, pcm: file.subarray(at + 8, Math.min(file.length, at + 8 + size)) };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('no audio data in the WAV file');
}

function wavOf(pcm, rate) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
