import {
  FakeBehaviorSchedule,
  countWords,
  planGeneration,
  splitIntoTokens,
  type FakeRecordedRequest,
} from './fake-provider.behavior';

const defaults = { tokens: ['a', ' b', ' c', ' d'], intervalMs: 0 };
const facts = { inputTokens: 7, maxOutputTokens: undefined };

describe('splitIntoTokens', () => {
  it('keeps leading whitespace on each word so the tokens join back into the text', () => {
    const text = '  Hello,  world!\nHow are you? ';
    const tokens = splitIntoTokens(text);
    expect(tokens).toEqual(['  Hello,', '  world!', '\nHow', ' are', ' you?', ' ']);
    expect(tokens.join('')).toBe(text);
    expect(splitIntoTokens('')).toEqual([]);
  });
});

describe('countWords', () => {
  it('counts whitespace-separated words', () => {
    expect(countWords('  one two\tthree\nfour  ')).toBe(4);
    expect(countWords('')).toBe(0);
  });
});

describe('planGeneration', () => {
  it('answers with the default tokens, counting usage from the facts', () => {
    const plan = planGeneration({ kind: 'answer' }, facts, defaults);
    expect(plan).toEqual({
      tokens: defaults.tokens,
      intervalMs: 0,
      firstTokenDelayMs: 0,
      truncated: false,
      usage: { inputTokens: 7, outputTokens: 4 },
      ending: { kind: 'complete' },
      toolCalls: [],
    });
  });

  it('plans scripted tool calls, objects as their JSON and strings as given', () => {
    const plan = planGeneration(
      {
        kind: 'answer',
        toolCalls: [
          { name: 'calculator', arguments: { expression: '1 + 1' } },
          { id: 'call_x', name: 'broken', arguments: '{"a":' },
        ],
      },
      facts,
      defaults,
    );
    expect(plan.toolCalls).toEqual([
      { id: undefined, name: 'calculator', arguments: '{"expression":"1 + 1"}' },
      { id: 'call_x', name: 'broken', arguments: '{"a":' },
    ]);
  });

  it('cuts an answer at the max output tokens and honours usage overrides', () => {
    const plan = planGeneration(
      { kind: 'answer', tokens: 'one two three', tokenIntervalMs: 5, usage: { inputTokens: 99 } },
      { inputTokens: 7, maxOutputTokens: 2 },
      defaults,
    );
    expect(plan.tokens).toEqual(['one', ' two']);
    expect(plan.truncated).toBe(true);
    expect(plan.intervalMs).toBe(5);
    expect(plan.firstTokenDelayMs).toBe(5);
    expect(plan.usage).toEqual({ inputTokens: 99, outputTokens: 2 });
  });

  it('waits the first-token delay before the first token when one is given', () => {
    expect(planGeneration({ kind: 'answer' }, facts, { ...defaults, firstTokenDelayMs: 200 })).toMatchObject({
      intervalMs: 0,
      firstTokenDelayMs: 200,
    });
    expect(
      planGeneration({ kind: 'answer', firstTokenDelayMs: 50, tokenIntervalMs: 5 }, facts, {
        ...defaults,
        firstTokenDelayMs: 200,
      }),
    ).toMatchObject({ intervalMs: 5, firstTokenDelayMs: 50 });
  });

  it('sends the first afterTokens tokens before a fault', () => {
    expect(planGeneration({ kind: 'drop', afterTokens: 2 }, facts, defaults)).toMatchObject({
      tokens: ['a', ' b'],
      ending: { kind: 'drop' },
      usage: { outputTokens: 2 },
    });
    expect(planGeneration({ kind: 'stall' }, facts, defaults).tokens).toEqual([]);
    expect(planGeneration({ kind: 'malformed-chunk', afterTokens: 99 }, facts, defaults).tokens).toHaveLength(
      4,
    );
    expect(
      planGeneration({ kind: 'stream-error', afterTokens: 1, errorType: 'api_error' }, facts, defaults)
        .ending,
    ).toEqual({ kind: 'stream-error', errorType: 'api_error', message: undefined });
  });
});

describe('FakeBehaviorSchedule', () => {
  const entry = {} as FakeRecordedRequest<string>;

  it('serves queued behaviors first, then the chooser, and reset restores the initial chooser', () => {
    const schedule = new FakeBehaviorSchedule<string>((body) =>
      body === 'x' ? { kind: 'stall' } : undefined,
    );
    schedule.enqueue([{ kind: 'drop' }, { kind: 'http-error', status: 500 }]);
    expect(schedule.queued).toBe(2);
    expect(schedule.next('x', entry)).toEqual({ kind: 'drop' });
    expect(schedule.next('x', entry)).toEqual({ kind: 'http-error', status: 500 });
    expect(schedule.next('x', entry)).toEqual({ kind: 'stall' });
    expect(schedule.next('y', entry)).toBeUndefined();

    schedule.set({ kind: 'answer', tokens: 'fixed' });
    expect(schedule.next('y', entry)).toEqual({ kind: 'answer', tokens: 'fixed' });
    schedule.set(undefined);
    expect(schedule.next('x', entry)).toBeUndefined();

    schedule.enqueue([{ kind: 'drop' }]);
    schedule.reset();
    expect(schedule.queued).toBe(0);
    expect(schedule.next('x', entry)).toEqual({ kind: 'stall' });
  });
});
