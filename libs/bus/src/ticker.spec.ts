import { ListeningClock } from './listening-clock';
import { Ticker } from './ticker';

describe('Ticker with a listening clock', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it("visits with the clock's listening time, which leaves out this process's stalls", () => {
    const clock = new ListeningClock(250, { toleranceMs: 50 });
    const seen: number[] = [];
    const ticker = new Ticker<string>(250, (_item, now) => seen.push(now), clock);
    jest.advanceTimersByTime(60_000); // nothing registered: no timer, no stall
    ticker.add('reader');
    const armedAt = clock.now();
    jest.advanceTimersByTime(250);
    jest.setSystemTime(Date.now() + 9_000); // the event loop is blocked for 9 s
    jest.advanceTimersByTime(250);
    expect(seen.map((now) => now - armedAt)).toEqual([250, 550]);
    expect(clock.stalledMs).toBe(8_950);
    ticker.delete('reader');
    jest.advanceTimersByTime(30_000);
    ticker.add('reader');
    jest.advanceTimersByTime(250);
    expect(clock.stalledMs).toBe(8_950);
  });
});
