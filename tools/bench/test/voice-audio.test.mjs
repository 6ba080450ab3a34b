import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  confirmingFrameIndex,
  framesOf,
  mean,
  platformOverheadMs,
  SampleOrderCheck,
  trimSilence,
} from '../lib/voice-audio.mjs';

const pcmOf = (samples) => {
  const pcm = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, i) => pcm.writeInt16LE(sample, i * 2));
  return pcm;
};
const samplesOf = (pcm) => Array.from({ length: pcm.length / 2 }, (_, i) => pcm.readInt16LE(i * 2));

describe('trimSilence', () => {
  it('keeps the samples from the first to the last loud one', () => {
    assert.deepEqual(samplesOf(trimSilence(pcmOf([0, 10, 900, 5, -800, 20, 0]), 300)), [900, 5, -800]);
  });

  it('leaves nothing of silence', () => {
    assert.equal(trimSilence(pcmOf([0, 1, -2, 0])).length, 0);
  });
});

describe('framesOf', () => {
  it('cuts whole frames and pads the last one with silence', () => {
    const frames = framesOf(pcmOf([1, 2, 3, 4, 5]), 4);
    assert.deepEqual(frames.map(samplesOf), [
      [1, 2],
      [3, 4],
      [5, 0],
    ]);
  });
});

describe('SampleOrderCheck', () => {
  const counting = (from, count) => pcmOf(Array.from({ length: count }, (_, i) => (from + i) & 0x7fff));

  it('accepts numbered samples in order, across frames, pieces and the wrap-around', () => {
    const check = new SampleOrderCheck();
    check.push(counting(0, 4));
    check.push(counting(4, 4));
    check.push(pcmOf([8, 9, 0, 1])); // the next piece starts at 0
    check.push(counting(2, 2));
    check.reset();
    check.push(counting(32_766, 4)); // a new reply: 32766, 32767, 0, 1
    assert.equal(check.breaks, 0);
    assert.equal(check.samples, 18);
  });

  it('counts a lost and a reordered frame', () => {
    const lost = new SampleOrderCheck();
    lost.push(counting(1, 4));
    lost.push(counting(9, 4));
    assert.equal(lost.breaks, 1);
    const reordered = new SampleOrderCheck();
    reordered.push(counting(1, 4));
    reordered.push(counting(9, 4));
    reordered.push(counting(5, 4));
    assert.equal(reordered.breaks, 2);
  });
});

describe('platformOverheadMs', () => {
  it('is the wait less the silence and the providers', () => {
    assert.equal(
      platformOverheadMs({ endOfSpeechAt: 1_000, firstAudioAt: 2_030, silenceMs: 600, providersMs: 400 }),
      30,
    );
  });
});

describe('confirmingFrameIndex', () => {
  it('is the frame that completes the minimum speech', () => {
    // Speech from 1,000 ms, 200 ms needed: the frame [1180, 1200) is index 59.
    assert.equal(confirmingFrameIndex(1_000, 200, 20), 59);
    assert.equal(confirmingFrameIndex(1_010, 200, 20), 60);
  });
});

describe('mean', () => {
  it('averages, NaN when empty', () => {
    assert.equal(mean([1, 2, 6]), 3);
    assert.ok(Number.isNaN(mean([])));
  });
});
