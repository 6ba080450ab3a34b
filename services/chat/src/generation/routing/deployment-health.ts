import { countsAgainstHealth } from './failure-decision';
import type { ProviderFailureKind } from '@conduit/provider-errors';

interface HealthState {
  consecutiveFailures: number;
  coolingUntil: number;
  probing: boolean;
}

/**
 * Cools down a model that keeps failing: after `failuresToCool` consecutive failures it is skipped for
 * `cooldownMs`, then a single request probes it; success restores it, failure cools it again.
 * Kept per replica: each replica learns from its own traffic within a few requests.
 */
export class DeploymentHealth {
  private readonly states = new Map<string, HealthState>();

  constructor(
    private readonly failuresToCool: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the model may be tried now (healthy, or its cooldown is over and nobody is probing it). */
  tryAcquire(modelId: string): boolean {
    const state = this.states.get(modelId);
    if (!state || state.coolingUntil === 0) return true;
    if (this.now() < state.coolingUntil || state.probing) return false;
    state.probing = true;
    return true;
  }

  isCooling(modelId: string): boolean {
    const state = this.states.get(modelId);
    return !!state && state.coolingUntil !== 0 && (this.now() < state.coolingUntil || state.probing);
  }

  recordSuccess(modelId: string): void {
    this.states.delete(modelId);
  }

  recordFailure(modelId: string, kind: ProviderFailureKind): void {
    const state = this.states.get(modelId) ?? { consecutiveFailures: 0, coolingUntil: 0, probing: false };
    if (!countsAgainstHealth(kind)) {
      state.probing = false;
      this.states.set(modelId, state);
      return;
    }
    state.consecutiveFailures += 1;
    if (state.probing || state.consecutiveFailures >= this.failuresToCool) {
      state.coolingUntil = this.now() + this.cooldownMs;
    }
    state.probing = false;
    this.states.set(modelId, state);
  }

  /** A request ended without saying anything about the model (e.g. cancelled): release a probe. */
  release(modelId: string): void {
    const state = this.states.get(modelId);
    if (state) state.probing = false;
  }
}
