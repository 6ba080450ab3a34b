import { OfflineLexicalEmbedder } from './offline-lexical.embedder';

const dot = (a: Float32Array, b: Float32Array): number =>
  a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
const norm = (a: Float32Array): number => Math.sqrt(dot(a, a));

describe('OfflineLexicalEmbedder', () => {
  const embedder = new OfflineLexicalEmbedder(256);

  it('names a lexical space with its size and meters nothing', () => {
    expect(embedder.space).toEqual({ id: 'offline/lexical-v1@256', dimensions: 256, kind: 'lexical' });
    expect(new OfflineLexicalEmbedder().space.id).toBe('offline/lexical-v1@384');
    expect(embedder.meteredModel).toBeNull();
  });

  it('gives one unit vector of the space size per text, in order, and counts no tokens', async () => {
    const batch = await embedder.embed(['first text', 'second one', 'third'], 'document');
    expect(batch.inputTokens).toBe(0);
    expect(batch.vectors).toHaveLength(3);
    for (const vector of batch.vectors) {
      expect(vector).toHaveLength(256);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
    expect(batch.vectors[0]).toEqual(embedder.embedOne('first text'));
  });

  it('is deterministic across instances', () => {
    const text = 'The quick brown fox jumps over the lazy dog, twice.';
    expect(new OfflineLexicalEmbedder(256).embedOne(text)).toEqual(embedder.embedOne(text));
  });

  it('ignores case and punctuation', () => {
    expect(embedder.embedOne('Hello, World!')).toEqual(embedder.embedOne('hello world'));
  });

  it('puts texts that share words closer than texts that do not', () => {
    const query = embedder.embedOne('boundary layer heat transfer');
    const related = embedder.embedOne('heat transfer through a turbulent boundary layer on a flat plate');
    const unrelated = embedder.embedOne('the committee approved the annual budget for the library');
    expect(dot(query, related)).toBeGreaterThan(dot(query, unrelated) + 0.2);
  });

  it('matches spellings through character trigrams (plural and inflected forms)', () => {
    const query = embedder.embedOne('vibrations');
    expect(dot(query, embedder.embedOne('vibration of plates'))).toBeGreaterThan(
      dot(query, embedder.embedOne('pressure on shells')) + 0.2,
    );
  });

  it('handles unicode letters and scripts without spaces', () => {
    const greek = embedder.embedOne('Καλημέρα κόσμε');
    const japanese = embedder.embedOne('東京の天気は晴れです');
    expect(norm(greek)).toBeCloseTo(1, 5);
    expect(norm(japanese)).toBeCloseTo(1, 5);
    expect(dot(japanese, embedder.embedOne('東京の天気'))).toBeGreaterThan(0.3);
    expect(dot(embedder.embedOne('café crème'), embedder.embedOne('CAFÉ CRÈME'))).toBeCloseTo(1, 5);
  });

  it('gives the zero vector for a text with no words', () => {
    expect(norm(embedder.embedOne(' ...!? '))).toBe(0);
    expect(norm(embedder.embedOne(''))).toBe(0);
  });

  it('weighs stop words only inside word pairs', () => {
    expect(dot(embedder.embedOne('the of and'), embedder.embedOne('engine'))).toBeLessThan(0.2);
  });

  it('refuses sizes it cannot serve', () => {
    expect(() => new OfflineLexicalEmbedder(8)).toThrow(RangeError);
    expect(() => new OfflineLexicalEmbedder(100.5)).toThrow(RangeError);
  });
});
