import { LocalReservations } from './local-reservations';

const spend = (tokens: number) => ({ nanoUsd: 0, tokens });

describe('LocalReservations', () => {
  it('counts holds in their scopes only', () => {
    const local = new LocalReservations();
    local.hold('a', ['user:u'], spend(100));
    local.hold('b', ['user:v'], spend(7));
    expect(local.heldIn('user:u')).toEqual(spend(100));
    local.release('a', spend(15));
    expect(local.heldIn('user:u')).toEqual(spend(0));
  });

  it('keeps the spend of a call that settles during a ledger read for that read, then forgets it', () => {
    const local = new LocalReservations();
    local.hold('a', ['user:u'], spend(100));
    local.hold('b', ['user:u'], spend(100));
    const read = local.beginLedgerRead();
    local.release('a', spend(15)); // the read may have missed this spend
    expect(local.heldIn('user:u', read)).toEqual(spend(115));

    const later = local.beginLedgerRead(); // began after the settlement: the ledger has caught up with it
    expect(local.heldIn('user:u', later)).toEqual(spend(100));

    local.endLedgerRead(read);
    local.endLedgerRead(later);
    const next = local.beginLedgerRead();
    expect(local.heldIn('user:u', next)).toEqual(spend(100));
    local.endLedgerRead(next);
  });

  it('remembers nothing settled while no read is open', () => {
    const local = new LocalReservations();
    local.hold('a', ['user:u'], spend(100));
    local.release('a', spend(15));
    const read = local.beginLedgerRead();
    expect(local.heldIn('user:u', read)).toEqual(spend(0));
    local.endLedgerRead(read);
  });
});
