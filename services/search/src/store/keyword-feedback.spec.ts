import {
  contentWords,
  DEFAULT_KEYWORD_FEEDBACK,
  expandQuery,
  feedbackEnabled,
  NO_KEYWORD_FEEDBACK,
} from './keyword-feedback';

const weightsOf = (terms: { term: string; weight: number }[]) =>
  Object.fromEntries(terms.map(({ term, weight }) => [term, weight]));
const total = (terms: { weight: number }[]) => terms.reduce((sum, { weight }) => sum + weight, 0);

describe('contentWords', () => {
  it('keeps lower-case words of any script, without stop words and single characters', () => {
    expect(contentWords('What are the Heat-transfer rates of a θερμό slab, x 2?')).toEqual([
      'heat',
      'transfer',
      'rates',
      'θερμό',
      'slab',
    ]);
  });
});

describe('expandQuery', () => {
  const options = { chunks: 10, terms: 2, queryWeight: 0.5 };

  it('gives the query words their share and the words most likely in the feedback the rest', () => {
    const terms = expandQuery(
      'heat slabs',
      [
        { text: 'conduction in composite slabs: conduction and heat', score: 3 },
        { text: 'conduction of heat through walls', score: 1 },
      ],
      options,
    );
    const weights = weightsOf(terms);
    // P(w|R): conduction 3/4 · 2/5 + 1/4 · 1/3, heat 3/4 · 1/5 + 1/4 · 1/3, composite and slabs 3/4 · 1/5,
    // walls 1/4 · 1/3: the two best (conduction, heat) share half the weight, the query words the other.
    expect(Object.keys(weights).sort()).toEqual(['conduction', 'heat', 'slabs']);
    expect(total(terms)).toBeCloseTo(1, 10);
    const conduction = 0.3 + 1 / 12;
    const heat = 0.15 + 1 / 12;
    expect(weights.conduction).toBeCloseTo((0.5 * conduction) / (conduction + heat), 10);
    expect(weights.heat).toBeCloseTo((0.5 * heat) / (conduction + heat) + 0.25, 10);
    expect(weights.slabs).toBeCloseTo(0.25, 10);
  });

  it('never adds stop words, and keeps the query alone when the feedback has no words', () => {
    const terms = expandQuery('wing flutter', [{ text: 'the of and it is', score: 2 }], options);
    expect(weightsOf(terms)).toEqual({ wing: 0.5, flutter: 0.5 });
    expect(weightsOf(expandQuery('wing', [], options))).toEqual({ wing: 1 });
  });

  it('weighs repeated query words by their count', () => {
    const terms = expandQuery('flow flow wing', [], options);
    expect(weightsOf(terms).flow).toBeCloseTo(2 / 3, 10);
  });
});

describe('feedbackEnabled', () => {
  it('is on by default and off when no chunk, no term or all the weight stays with the query', () => {
    expect(feedbackEnabled(DEFAULT_KEYWORD_FEEDBACK)).toBe(true);
    expect(feedbackEnabled(NO_KEYWORD_FEEDBACK)).toBe(false);
    expect(feedbackEnabled({ ...DEFAULT_KEYWORD_FEEDBACK, queryWeight: 1 })).toBe(false);
  });
});
