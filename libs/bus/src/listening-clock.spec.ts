import { ListeningClock } from './listening-clock';

/** A wall clock the test moves by hand. */
function wall(start = 1_000_000) {
  let at = start;
  return {
    now: () => at,
    advance: (ms: number) => (at += ms),
  };
}

describe('ListeningClock', () => {
  it('runs with the wall clock while ticks come on time, jitter within the tolerance included', () => {
    const time = wall();
    const clock = new ListeningClock(250, { toleranceMs: 100, now: time.now });
    clock.start();
    const start = clock.now();
    for (const late of [0, 30, 100, 0]) {
      time.advance(250 + late);
      clock.tick();
    }
    expect(clock.now() - start).toBe(1_130);
    expect(clock.stalledMs).toBe(0);
  });

  it('leaves out the part of a late tick beyond the interval and the tolerance', () => {
    const time = wall();
    const clock = new ListeningClock(250, { toleranceMs: 100, now: time.now });
    clock.start();
    const start = clock.now();
    time.advance(250 + 100 + 6_000); // the loop was stalled for 6 s on top of its tolerance
    expect(clock.tick() - start).toBe(350);
    expect(clock.stalledMs).toBe(6_000);
    time.advance(250);
    expect(clock.tick() - start).toBe(600);
  });

  it('counts a stall in progress when activity is stamped before the late tick runs', () => {
    const time = wall();
    const clock = new ListeningClock(250, { toleranceMs: 100, now: time.now });
    clock.start();
    time.advance(250);
    clock.tick();
    time.advance(5_000); // stalled: a message read now, before the overdue tick
    const heardAt = clock.now();
    expect(clock.tick()).toBe(heardAt); // the tick right after sees no silence at all
  });

  it('never runs backwards, and advances by at least the interval per tick however late it is', () => {
    const time = wall();
    const clock = new ListeningClock(500, { toleranceMs: 50, now: time.now });
    clock.start();
    let previous = clock.now();
    for (const step of [10, 400, 600, 5_000, 120, 9_000, 550]) {
      time.advance(step);
      const read = clock.now();
      expect(read).toBeGreaterThanOrEqual(previous);
      previous = read;
      const ticked = clock.tick();
      expect(ticked).toBe(read);
    }
    const silentTicks = 10;
    const before = clock.now();
    for (let i = 0; i < silentTicks; i += 1) {
      time.advance(20_000);
      clock.tick();
    }
    expect(clock.now() - before).toBeGreaterThanOrEqual(silentTicks * 500);
  });

  it('does not count the time while no timer runs as a stall', () => {
    const time = wall();
    const clock = new ListeningClock(100, { now: time.now });
    const before = clock.now();
    time.advance(60_000); // not started yet
    expect(clock.now() - before).toBe(60_000);
    clock.start();
    time.advance(100);
    clock.tick();
    clock.stop();
    time.advance(30_000);
    clock.start();
    time.advance(100);
    clock.tick();
    expect(clock.stalledMs).toBe(0);
    expect(clock.now() - before).toBe(90_200);
  });
});
