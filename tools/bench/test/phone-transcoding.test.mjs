import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  lagsOverIdle,
  loadTranscoders,
  pcmFrames,
  PhoneCallTranscoder,
  PIPELINE_RATE,
  realTimeSummary,
  runPacedCalls,
} from '../lib/phone-transcoding.mjs';

/** A 440 Hz tone of `ms` at `rate`, 16-bit. */
const tone = (ms, rate) => {
  const samples = (rate * ms) / 1000;
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  return pcm;
};

describe('pcmFrames', () => {
  it('cuts 20 ms frames and drops a short tail', () => {
    const frames = pcmFrames(Buffer.alloc(8_000 * 2 * 0.05), 8_000);
    assert.deepEqual(
      frames.map((frame) => frame.length),
      [320, 320],
    );
  });
});

describe('lagsOverIdle', () => {
  it("counts only what a thread's tick lost beyond the idle thread's same tick", () => {
    // Tick 1: the whole machine stalled 300 ms (both late); tick 2: only the calls' thread was late.
    const idle = [0, 300, 0];
    assert.deepEqual(
      lagsOverIdle(
        [
          [0, 310, 25],
          [0, 290, 0],
        ],
        idle,
      ),
      [0, 10, 25, 0, 0, 0],
    );
  });
});

describe('realTimeSummary', () => {
  it('counts both directions of every call against the CPU they took', () => {
    // 10 calls, 50 ticks (1 s each way): 20 s of audio in 0.1 CPU s over 1 s.
    const summary = realTimeSummary({
      calls: 10,
      ticks: 50,
      cpuMs: 100,
      lagsMs: [0, 0, 0, 5],
      wallMs: 1_000,
    });
    assert.equal(summary.audioSeconds, 20);
    assert.equal(summary.realTimeFactor, 200);
    assert.equal(summary.coreShare, 0.1);
    assert.equal(summary.lagP50Ms, 0);
    assert.equal(summary.lagMaxMs, 5);
  });
});

describe('PhoneCallTranscoder (the built services)', () => {
  it('turns 20 ms of μ-law into 20 ms at the pipeline rate, and reply audio into 20 ms μ-law frames', async () => {
    const transcoders = loadTranscoders();
    const call = await PhoneCallTranscoder.open(transcoders, 24_000);
    let pipelineBytes = 0;
    const frames = [];
    const reply = pcmFrames(tone(1_000, 24_000), 24_000);
    for (let i = 0; i < 50; i++) {
      pipelineBytes += call.in(Buffer.alloc(160, 0xff)).length;
      frames.push(...call.out(reply[i]));
    }
    call.close();
    // The resamplers' filters hold back a few milliseconds.
    const second = PIPELINE_RATE * 2;
    assert.ok(pipelineBytes > second * 0.95 && pipelineBytes <= second, `${pipelineBytes} bytes`);
    assert.ok(frames.length >= 48 && frames.length <= 50, `${frames.length} frames`);
    assert.ok(frames.every((frame) => frame.length === 160));
  });

  it('runs paced calls and measures every tick', async () => {
    const transcoders = loadTranscoders();
    const callerMulaw = [Buffer.alloc(160, 0xff)];
    const replyFrames = pcmFrames(tone(100, 24_000), 24_000);
    const run = await runPacedCalls({
      transcoders,
      calls: 2,
      ticks: 10,
      callerMulaw,
      replyFrames,
      replyRate: 24_000,
    });
    assert.equal(run.lagsMs.length, 10);
    assert.equal(run.inUs.length, 2);
    assert.ok(run.outputFrames >= 16);
  });
});
