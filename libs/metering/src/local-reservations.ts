import type { Spend } from '@conduit/contracts';

/**
 * This replica's own holds, by scope. Redis holds every replica's; these are what a check falls back
 * on while Redis is unavailable, so concurrent calls on one replica still see each other.
 */
export class LocalReservations {
  private readonly holds = new Map<string, { scopes: string[]; ceiling: Spend }>();

  hold(reservationId: string, scopes: string[], ceiling: Spend): void {
    if (scopes.length > 0) this.holds.set(reservationId, { scopes, ceiling });
  }

  release(reservationId: string): void {
    this.holds.delete(reservationId);
  }

  heldIn(scope: string): Spend {
    let nanoUsd = 0;
    let tokens = 0;
    for (const hold of this.holds.values()) {
      if (!hold.scopes.includes(scope)) continue;
      nanoUsd += hold.ceiling.nanoUsd;
      tokens += hold.ceiling.tokens;
    }
    return { nanoUsd, tokens };
  }
}
