import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overheadPerStep, overheadPerStepOverLatency } from '../lib/agent-overhead.mjs';

describe('overheadPerStep', () => {
  it("shares the client's time less the model's and the tools' over the steps", () => {
    assert.equal(overheadPerStep({ clientMs: 30, modelMs: 12, toolsMs: 8, steps: 2 }), 5);
  });

  it('never goes below zero (clocks of two processes), and refuses a run without steps', () => {
    assert.equal(overheadPerStep({ clientMs: 10, modelMs: 9, toolsMs: 3, steps: 2 }), 0);
    assert.throws(() => overheadPerStep({ clientMs: 10, modelMs: 0, toolsMs: 0, steps: 0 }));
  });
});

describe('overheadPerStepOverLatency', () => {
  it("takes the model's fixed latency per step and the tools' time out of the client's time", () => {
    // Two steps of a 100 ms model, 8 ms of tools: 4 ms a step is left.
    assert.equal(overheadPerStepOverLatency({ clientMs: 216, toolsMs: 8, steps: 2 }, 100), 4);
  });

  it('never goes below zero, and refuses a run without steps', () => {
    assert.equal(overheadPerStepOverLatency({ clientMs: 150, toolsMs: 0, steps: 2 }, 100), 0);
    assert.throws(() => overheadPerStepOverLatency({ clientMs: 10, toolsMs: 0, steps: 0 }, 100));
  });
});
