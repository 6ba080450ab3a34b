import { InputClock } from './input-clock';

describe('InputClock', () => {
  it('dates audio that arrives on time at its arrival', () => {
    const clock = new InputClock();
    for (let i = 1; i <= 10; i++) expect(clock.arrived(1_000 + i * 20, i * 20)).toBe(1_000);
  });

  it('dates a late, bunched burst by when it was recorded, not when it arrived', () => {
    const clock = new InputClock();
    for (let i = 1; i <= 10; i++) clock.arrived(1_000 + i * 20 + 5, i * 20); // 5 ms on the wire
    // The client stalled for a second, then sent 50 frames at once, one message each.
    for (let i = 11; i <= 60; i++) expect(clock.arrived(2_205, i * 20)).toBe(1_005);
    // On time again: the least delay still holds.
    expect(clock.arrived(2_225, 61 * 20)).toBe(1_005);
  });

  it('takes a lower delay as soon as one shows', () => {
    const clock = new InputClock();
    clock.arrived(1_100, 20);
    expect(clock.arrived(1_090, 40)).toBe(1_050);
  });

  it('re-anchors a client that stopped sending for longer than the window', () => {
    const clock = new InputClock(2_000);
    clock.arrived(1_020, 20);
    // Five seconds of nothing (muted), then the audio goes on from where it was.
    expect(clock.arrived(6_040, 40)).toBe(6_000);
    expect(clock.arrived(6_060, 60)).toBe(6_000);
  });

  it('follows a client sending faster than real time (a file streamed at once)', () => {
    const clock = new InputClock();
    for (let i = 1; i <= 100; i++) expect(clock.arrived(1_000, i * 20)).toBe(1_000 - i * 20);
  });
});
