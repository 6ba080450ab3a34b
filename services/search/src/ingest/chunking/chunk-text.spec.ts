import { chunkText, type ChunkingOptions, DEFAULT_CHUNKING, headingTrail, type TextChunk } from './index';

/** What must hold for any input: exact slices, sizes, gap-free ordinals, nothing left out. */
function expectWellFormed(text: string, chunks: readonly TextChunk[], options: ChunkingOptions): void {
  chunks.forEach((chunk, index) => {
    expect(chunk.ordinal).toBe(index);
    expect(chunk.text).toBe(text.slice(chunk.start, chunk.end));
    expect(chunk.text.length).toBeGreaterThan(0);
    expect(chunk.text.length).toBeLessThanOrEqual(options.maxChars);
    expect(chunk.text).toBe(chunk.text.trimEnd());
    // Only a chunk of code may start with whitespace: the indentation of its first line.
    if (chunk.text !== chunk.text.trimStart()) expect(text[chunk.start - 1]).toBe('\n');
  });
  const covered = new Uint8Array(text.length);
  for (const chunk of chunks) covered.fill(1, chunk.start, chunk.end);
  const headingLines = [...text.matchAll(/^ {0,3}#{1,6}[ \t].*$/gm)].map((m) => [
    m.index,
    m.index + m[0].length,
  ]);
  const inHeading = (i: number) => headingLines.some(([from, to]) => i >= from! && i < to!);
  for (let i = 0; i < text.length; i++) {
    if (!covered[i] && !/\s/.test(text[i]!) && !inHeading(i))
      throw new Error(`character ${i} (${JSON.stringify(text.slice(i, i + 20))}) is in no chunk`);
  }
}

const LETTER = /[\p{L}\p{N}]/u;
/** A chunk boundary inside a word has a letter on both sides of it. */
function expectNoCutWords(text: string, chunks: readonly TextChunk[]): void {
  for (const { start, end } of chunks) {
    if (start > 0) expect(LETTER.test(text[start - 1]!) && LETTER.test(text[start]!)).toBe(false);
    if (end < text.length) expect(LETTER.test(text[end - 1]!) && LETTER.test(text[end]!)).toBe(false);
  }
}

const small = { maxChars: 80, overlapChars: 30 };

describe('chunkText', () => {
  it.each([[''], ['   '], ['\n\n\t\n']])('gives no chunks for blank input %j', (text) => {
    expect(chunkText(text)).toEqual([]);
  });

  it('follows headings: each chunk carries the path it falls under, and none crosses a heading', () => {
    const text = [
      'Preface before any heading.',
      '# Install',
      'Get the package.',
      '## Linux',
      'Use apt.',
      '### Debian',
      'Debian specifics.',
      '## macOS',
      'Use brew.',
      '# Usage',
      'Run it.',
    ].join('\n\n');
    const chunks = chunkText(text, { maxChars: 200, overlapChars: 50 });
    expect(chunks.map((c) => [headingTrail(c.headingPath), c.text])).toEqual([
      ['', 'Preface before any heading.'],
      ['Install', 'Get the package.'],
      ['Install > Linux', 'Use apt.'],
      ['Install > Linux > Debian', 'Debian specifics.'],
      ['Install > macOS', 'Use brew.'],
      ['Usage', 'Run it.'],
    ]);
    expectWellFormed(text, chunks, { maxChars: 200, overlapChars: 50 });
  });

  it('keeps a heading with no text and no subsections as a chunk of its own line', () => {
    const chunks = chunkText('# Guide\n\n## Empty section\n\n## Filled\n\nText.', small);
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [['Guide', 'Empty section'], '## Empty section'],
      [['Guide', 'Filled'], 'Text.'],
    ]);
  });

  it('reads closing hashes and indentation of headings as Markdown does, and # inside code as code', () => {
    const text = '  ## Setup ##\n\n```sh\n# a comment, not a heading\nmake\n```\n\n#hashtag is not a heading';
    const chunks = chunkText(text, { maxChars: 200, overlapChars: 0 });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ headingPath: ['Setup'], text: text.slice(text.indexOf('```')) });
  });

  it('packs whole paragraphs together while they fit, and starts a new chunk between them', () => {
    const paragraphs = ['Alpha one.', 'Beta two is longer.', 'Gamma three.', 'Delta four is the last one.'];
    const text = paragraphs.join('\n\n');
    const chunks = chunkText(text, { maxChars: 40, overlapChars: 0 });
    expect(chunks.map((c) => c.text)).toEqual([
      'Alpha one.\n\nBeta two is longer.',
      'Gamma three.',
      'Delta four is the last one.',
    ]);
  });

  it('cuts a long paragraph between sentences, repeating whole sentences as overlap', () => {
    const sentences = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} ends here.`);
    const text = sentences.join(' ');
    const options = { maxChars: 100, overlapChars: 40 };
    const chunks = chunkText(text, options);
    expectWellFormed(text, chunks, options);
    for (const chunk of chunks)
      expect(chunk.text).toMatch(/^Sentence number \d+ ends here\.( Sentence number \d+ ends here\.)*$/);
    for (let i = 1; i < chunks.length; i++) {
      const overlap = chunks[i - 1]!.end - chunks[i]!.start;
      expect(overlap).toBeGreaterThan(0);
      expect(overlap).toBeLessThanOrEqual(options.overlapChars);
    }
  });

  it('never overlaps across a heading', () => {
    const body = Array.from({ length: 8 }, (_, i) => `Statement ${i} is here.`).join(' ');
    const text = `# One\n\n${body}\n\n# Two\n\n${body}`;
    const chunks = chunkText(text, small);
    const second = text.indexOf('# Two');
    for (const chunk of chunks) expect(chunk.start < second && chunk.end > second).toBe(false);
    expect(chunks.find((c) => c.headingPath[0] === 'Two')!.start).toBeGreaterThan(second);
  });

  it('cuts a huge paragraph without sentence ends between words', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `word${i % 97}`).join(' ');
    const chunks = chunkText(text, small);
    expectWellFormed(text, chunks, small);
    expectNoCutWords(text, chunks);
    expect(chunks.length).toBeGreaterThan(text.length / small.maxChars);
  });

  it('cuts CJK text without spaces or punctuation between words, not inside them', () => {
    const text = '東京は日本の首都で人口が多い都市です'.repeat(50);
    const chunks = chunkText(text, { maxChars: 64, overlapChars: 0 });
    expectWellFormed(text, chunks, { maxChars: 64, overlapChars: 0 });
    // Without overlap the chunks are the text, in order, split at word boundaries.
    expect(chunks.map((c) => c.text).join('')).toBe(text);
    const words = new Set(
      [...new Intl.Segmenter('und', { granularity: 'word' }).segment(text)].map((s) => s.index),
    );
    for (const chunk of chunks) expect(words.has(chunk.start)).toBe(true);
  });

  it('cuts CJK sentences at their full stops', () => {
    const text = '東京は日本の首都です。大阪は商業の町です。京都には寺が多いです。'.repeat(4);
    const chunks = chunkText(text, { maxChars: 40, overlapChars: 0 });
    for (const chunk of chunks) expect(chunk.text.endsWith('。')).toBe(true);
    expectWellFormed(text, chunks, { maxChars: 40, overlapChars: 0 });
  });

  it('cuts a single word longer than a chunk between graphemes, never inside an emoji', () => {
    const text = `start ${'😀'.repeat(100)} end`;
    const chunks = chunkText(text, { maxChars: 33, overlapChars: 0 });
    expectWellFormed(text, chunks, { maxChars: 33, overlapChars: 0 });
    for (const chunk of chunks) expect(chunk.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });

  it('cuts a long code block between lines, keeping their indentation', () => {
    const code = [
      '```python',
      ...Array.from({ length: 30 }, (_, i) => `    value_${i} = compute(${i})`),
      '```',
    ].join('\n');
    const text = `# Code\n\nSome prose first.\n\n${code}\n\nProse after.`;
    const options = { maxChars: 120, overlapChars: 0 };
    const chunks = chunkText(text, options);
    expectWellFormed(text, chunks, options);
    const codeStart = text.indexOf('```');
    const codeEnd = text.lastIndexOf('```') + 3;
    for (const chunk of chunks.filter((c) => c.start >= codeStart && c.end <= codeEnd)) {
      expect(text[chunk.start - 1]).toBe('\n'); // starts at a line start, indentation kept
      expect(['\n', undefined]).toContain(text[chunk.end]);
    }
    expect(chunks[0]!.text).toMatch(/^Some prose first\.\n\n```python\n {4}value_0/);
    expect(chunks.at(-1)!.text).toMatch(/\n```\n\nProse after\.$/);
  });

  it('reads an unclosed code fence as code up to the end', () => {
    const text = 'Intro.\n\n```\n# not a heading\ncode';
    expect(chunkText(text, small).map((c) => c.headingPath)).toEqual([[]]);
  });

  it('is deterministic, and well formed on a larger mixed document', () => {
    const parts: string[] = [];
    for (let i = 0; i < 60; i++) {
      if (i % 7 === 0) parts.push(`${'#'.repeat((i % 3) + 1)} Part ${i}`);
      if (i % 11 === 0) parts.push('```\nline one\n  line two\n```');
      parts.push(
        Array.from(
          { length: (i % 9) + 1 },
          (_, j) => `Item ${i}.${j} says something useful, more or less.`,
        ).join(' '),
      );
    }
    const text = parts.join('\n\n');
    for (const options of [
      DEFAULT_CHUNKING,
      small,
      { maxChars: 32, overlapChars: 0 },
      { maxChars: 500, overlapChars: 249 },
    ]) {
      const chunks = chunkText(text, options);
      expectWellFormed(text, chunks, options);
      expectNoCutWords(text, chunks);
      expect(chunkText(text, options)).toEqual(chunks);
    }
  });

  it.each([
    [{ maxChars: 10, overlapChars: 0 }],
    [{ maxChars: 100, overlapChars: 50 }],
    [{ maxChars: 100, overlapChars: -1 }],
    [{ maxChars: 100.5, overlapChars: 0 }],
  ])('refuses options %j', (options) => {
    expect(() => chunkText('text', options)).toThrow(RangeError);
  });
});
