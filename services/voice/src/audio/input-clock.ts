/** How long an arrival keeps counting as the least-delayed one: the most late input is dated right. */
export const INPUT_CLOCK_WINDOW_MS = 2_000;

interface Arrival {
  readonly at: number;
  /** Arrival time less the audio time it brought the input up to: the chunk's delay plus a constant. */
  readonly offset: number;
}

/**
 * Dates the client's input audio on the wall clock: when each moment of it was recorded, give or take
 * the network's least delay. Chunks can reach us late and bunched (a client that stalled, a congested
 * link), so a chunk's arrival time says little about its audio; the least-delayed chunk of the last
 * `windowMs` does, as in a jitter buffer: audio time plus the smallest (arrival − audio time) seen lately.
 * The window is short so that a client that stops sending for a while (muted, or between utterances)
 * is re-anchored at once when it starts again, and a clock that drifts is followed.
 */
export class InputClock {
  /** Arrivals whose offsets rise from front to back: the front is the window's least delay. */
  private arrivals: Arrival[] = [];

  constructor(private readonly windowMs = INPUT_CLOCK_WINDOW_MS) {}

  /**
   * A chunk that arrived at `arrivedAt` and brought the input up to `audioEndMs` (ms since the session's
   * first sample). Returns the offset to add to an audio time of this chunk to get its wall time.
   */
  arrived(arrivedAt: number, audioEndMs: number): number {
    const offset = arrivedAt - audioEndMs;
    while (this.arrivals.length > 0 && this.arrivals.at(-1)!.offset >= offset) this.arrivals.pop();
    this.arrivals.push({ at: arrivedAt, offset });
    while (this.arrivals[0]!.at < arrivedAt - this.windowMs) this.arrivals.shift();
    return this.arrivals[0]!.offset;
  }
}
