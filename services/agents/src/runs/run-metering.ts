import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Metering, type Admission, type MeteredCaller } from '@conduit/metering';
import { costOfQuantities } from '@conduit/model-prices';
import type { ModelUsage } from '../models/agent-model.port';
import type { ResolvedAgentModel } from '../models/agent-models';
import { TickBatcher } from './tick-batcher';

/** A model call let through the caller's budgets; `record` settles it with what the call used. */
export interface MeteredModelCall {
  record(status: string, usage: ModelUsage, estimated: boolean): number;
}

/**
 * A run's side of metering: each model call is held against the caller's budgets at its worst case
 * (the prompt so far and the step's full output) before it is made and recorded after, as one step with
 * its tokens; each tool call is recorded too (one row per call, no cost of its own). Records carry the
 * run's id as their reference. Recording does not hold up the run: it never throws, the ledger
 * retries delivery in the background, and the records of one turn of the event loop are built and sent
 * together once it is over, after the runs answered in that turn have moved on (their next request,
 * their tools, their end), and after the I/O already waiting then (other runs' model responses, the
 * results of their statements): runs step in bursts, metering is none of their path, and records sent
 * together leave in one write to the bus.
 */
@Injectable()
export class RunMetering {
  private readonly deferred = new TickBatcher<() => void>(
    (records) => Promise.resolve(records.map((record) => record())),
    { yieldToIo: true },
  );

  constructor(private readonly metering: Metering) {}

  /** BUDGET_EXCEEDED when a budget cannot take the call's worst case. */
  async admitModelCall(
    caller: MeteredCaller,
    runId: string,
    model: ResolvedAgentModel,
    estimate: { inputTokens: number; outputTokens: number },
  ): Promise<MeteredModelCall> {
    const admission = await this.metering.admit(caller, [{ quantities: estimate, prices: model.prices }]);
    return {
      record: (status, usage, estimated) => {
        const quantities = { ...usage, steps: 1 };
        const costUsd = costOfQuantities(model.prices, quantities);
        this.later(() => {
          void admission.record({
            recordId: randomUUID(),
            model: model.id,
            status,
            quantities,
            estimated,
            costUsd,
            reference: runId,
          });
        });
        return costUsd;
      },
    };
  }

  /** Runs `record` once the current turn of the event loop and the next poll for I/O are over, with the others of that turn. */
  private later(record: () => void): void {
    void this.deferred.add(record);
  }

  /** One row per tool call, priced at nothing: what was called, for whom, and how it ended. */
  recordToolCall(caller: MeteredCaller, runId: string, tool: string, ok: boolean): void {
    this.later(() => void this.recordFreeCall(caller, runId, tool, ok));
  }

  private async recordFreeCall(
    caller: MeteredCaller,
    runId: string,
    tool: string,
    ok: boolean,
  ): Promise<void> {
    let admission: Admission;
    try {
      admission = await this.metering.admit(caller, [
        { quantities: {}, prices: { perInputToken: 0, perOutputToken: 0 } },
      ]);
    } catch {
      return; // a budget already spent refuses even a free call; the tool has run, there is nothing to hold
    }
    void admission.record({
      recordId: randomUUID(),
      model: `tool/${tool}`,
      status: ok ? 'complete' : 'failed',
      quantities: {},
      estimated: false,
      costUsd: 0,
      reference: runId,
    });
  }
}
