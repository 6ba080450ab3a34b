import { approximateTokens, planEmbeddingBatches } from './embedding-batches';

describe('planEmbeddingBatches', () => {
  it('keeps order and respects the input count', () => {
    const texts = ['a', 'b', 'c', 'd', 'e'];
    expect(planEmbeddingBatches(texts, { maxInputs: 2, maxApproximateTokens: 1_000 })).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e'],
    ]);
  });

  it('respects the token estimate and sends an oversized text alone', () => {
    const big = 'x'.repeat(300);
    expect(approximateTokens(big)).toBe(100);
    expect(planEmbeddingBatches(['a', big, 'b', 'c'], { maxInputs: 10, maxApproximateTokens: 50 })).toEqual([
      ['a'],
      [big],
      ['b', 'c'],
    ]);
  });

  it('plans nothing for no texts', () => {
    expect(planEmbeddingBatches([], { maxInputs: 10, maxApproximateTokens: 10 })).toEqual([]);
  });
});
