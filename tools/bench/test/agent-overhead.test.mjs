import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overheadPerStep } from '../lib/agent-overhead.mjs';

describe('overheadPerStep', () => {
  it("shares the client's time less the model's and the tools' over the steps", () => {
    assert.equal(overheadPerStep({ clientMs: 30, modelMs: 12, toolsMs: 8, steps: 2 }), 5);
  });

  it('never goes below zero (clocks of two processes), and refuses a run without steps', () => {
    assert.equal(overheadPerStep({ clientMs: 10, modelMs: 9, toolsMs: 3, steps: 2 }), 0);
    assert.throws(() => overheadPerStep({ clientMs: 10, modelMs: 0, toolsMs: 0, steps: 0 }));
  });
});
