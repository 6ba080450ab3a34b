import { queryTerms, SNIPPET_CHARS, snippetOf } from './snippet';

const marked = ({ snippet, highlights }: ReturnType<typeof snippetOf>) =>
  highlights.map((h) => snippet.slice(h.start, h.end));

describe('snippets', () => {
  it('keeps a short chunk whole and marks every query word in it, whatever its case', () => {
    const result = snippetOf('The Lighthouse keeper lit the lighthouse.', queryTerms('lighthouse KEEPER'));
    expect(result.snippet).toBe('The Lighthouse keeper lit the lighthouse.');
    expect(marked(result)).toEqual(['Lighthouse', 'keeper', 'lighthouse']);
  });

  it('matches inflections of longer words by their shared start, never parts of short ones', () => {
    const result = snippetOf('Indexing indexed an index; cats in a catalog.', queryTerms('index cat'));
    expect(marked(result)).toEqual(['Indexing', 'indexed', 'index']);
  });

  it('cuts a long chunk around its densest run of matches, at word boundaries, with exact offsets', () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(30);
    const text = `${filler}the quokka met another quokka ${filler}`;
    const result = snippetOf(text, queryTerms('quokka'));
    expect(result.snippet.length).toBeLessThanOrEqual(SNIPPET_CHARS + 2);
    expect(result.snippet.startsWith('…')).toBe(true);
    expect(result.snippet.endsWith('…')).toBe(true);
    expect(marked(result)).toEqual(['quokka', 'quokka']);
    expect(result.snippet).toMatch(/^…\S/);
  });

  it('gives the start of a long chunk without matches, and no highlights', () => {
    const text = 'word '.repeat(200);
    const result = snippetOf(text, queryTerms('absent'));
    expect(result.highlights).toEqual([]);
    expect(result.snippet.startsWith('word')).toBe(true);
  });
});
