import { TurnDetector, type TurnChange } from './turn-detector';

const FRAME = 20;

/** Feeds a pattern of frames, `#` voiced and `.` not, and returns the changes it produced. */
function run(pattern: string, detector = new TurnDetector({ minSpeechMs: 100, endOfTurnSilenceMs: 200 })) {
  const changes: TurnChange[] = [];
  [...pattern].forEach((c, i) => {
    const change = detector.push(c === '#', i * FRAME, (i + 1) * FRAME);
    if (change) changes.push(change);
  });
  return changes;
}

describe('TurnDetector', () => {
  it('starts a turn after the minimum speech, dated back to its first voiced frame', () => {
    expect(run('..#####')).toEqual([{ type: 'speech-started', atMs: 40 }]);
  });

  it('ignores clicks and short noises', () => {
    expect(run('.#..##...###.....#.#.#..........')).toEqual([]);
  });

  it('ends the turn after the configured silence, dated at the end of the speech', () => {
    expect(run('#####..##...........')).toEqual([
      { type: 'speech-started', atMs: 0 },
      { type: 'speech-stopped', atMs: 180 },
    ]);
  });

  it('keeps a turn through pauses shorter than the silence', () => {
    expect(run('#####.........#####......')).toEqual([{ type: 'speech-started', atMs: 0 }]);
  });

  it('takes the next turn after one ended', () => {
    const changes = run('#####..........#####..........');
    expect(changes.map((c) => c.type)).toEqual([
      'speech-started',
      'speech-stopped',
      'speech-started',
      'speech-stopped',
    ]);
  });
});
