import type { Spend } from '@conduit/contracts';

interface Hold {
  scopes: string[];
  ceiling: Spend;
}

/**
 * This replica's own holds, by scope. Redis holds every replica's; these are what a check falls back
 * on while Redis is unavailable, so concurrent calls on one replica still see each other.
 *
 * The ledger a fallback check reads is written asynchronously (from the usage stream), so a call that
 * settles while a ledger read is in flight can be missing from that read and no longer held: its spend
 * is kept here until every read that started before it has ended.
 */
export class LocalReservations {
  private readonly holds = new Map<string, Hold>();
  private readonly settledDuringReads: Array<{ seq: number; scopes: string[]; spend: Spend }> = [];
  private readonly openReads = new Map<number, number>();
  private seq = 0;

  hold(reservationId: string, scopes: string[], ceiling: Spend): void {
    if (scopes.length > 0) this.holds.set(reservationId, { scopes, ceiling });
  }

  /** Drops a hold; `spent` is what the call cost, already on its way to the ledger. */
  release(reservationId: string, spent: Spend = { nanoUsd: 0, tokens: 0 }): void {
    const hold = this.holds.get(reservationId);
    this.holds.delete(reservationId);
    if (!hold || this.openReads.size === 0 || (spent.nanoUsd === 0 && spent.tokens === 0)) return;
    this.settledDuringReads.push({ seq: ++this.seq, scopes: hold.scopes, spend: spent });
  }

  /** Marks the start of a ledger read; pass what it returns to {@link heldIn} and {@link endLedgerRead}. */
  beginLedgerRead(): number {
    this.openReads.set(this.seq, (this.openReads.get(this.seq) ?? 0) + 1);
    return this.seq;
  }

  endLedgerRead(readAt: number): void {
    const open = (this.openReads.get(readAt) ?? 1) - 1;
    if (open > 0) this.openReads.set(readAt, open);
    else this.openReads.delete(readAt);
    const oldestOpen = this.openReads.size > 0 ? Math.min(...this.openReads.keys()) : Infinity;
    let keep = 0;
    while (keep < this.settledDuringReads.length && this.settledDuringReads[keep]!.seq <= oldestOpen) keep++;
    this.settledDuringReads.splice(0, keep);
  }

  /**
   * What this replica has in `scope` beyond a ledger read begun at `readAt`: its holds, plus what calls
   * that settled after the read began spent. Without `readAt`: its holds alone.
   */
  heldIn(scope: string, readAt?: number): Spend {
    let nanoUsd = 0;
    let tokens = 0;
    const add = (scopes: string[], spend: Spend) => {
      if (!scopes.includes(scope)) return;
      nanoUsd += spend.nanoUsd;
      tokens += spend.tokens;
    };
    for (const hold of this.holds.values()) add(hold.scopes, hold.ceiling);
    if (readAt !== undefined) {
      for (const settled of this.settledDuringReads)
        if (settled.seq > readAt) add(settled.scopes, settled.spend);
    }
    return { nanoUsd, tokens };
  }
}
