import { defaultFusion, DEFAULT_SEMANTIC_WEIGHT } from './default-fusion';

describe('defaultFusion', () => {
  const settings = { SEARCH_RRF_K: 40 };

  it('fuses a learned embedding by reciprocal rank and a lexical one by a keyword-heavy weighted sum', () => {
    expect(defaultFusion('semantic', settings)).toEqual({ kind: 'rrf', k: 40 });
    expect(defaultFusion('lexical', settings)).toEqual({
      kind: 'weighted',
      semanticWeight: DEFAULT_SEMANTIC_WEIGHT.lexical,
    });
    expect(DEFAULT_SEMANTIC_WEIGHT.lexical).toBeLessThan(DEFAULT_SEMANTIC_WEIGHT.semantic);
  });

  it('takes the configured fusion and weight over the defaults', () => {
    expect(defaultFusion('lexical', { ...settings, SEARCH_HYBRID_FUSION: 'rrf' })).toEqual({
      kind: 'rrf',
      k: 40,
    });
    expect(
      defaultFusion('semantic', {
        ...settings,
        SEARCH_HYBRID_FUSION: 'weighted',
        SEARCH_HYBRID_SEMANTIC_WEIGHT: 0.7,
      }),
    ).toEqual({ kind: 'weighted', semanticWeight: 0.7 });
  });
});
