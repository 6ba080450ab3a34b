// Deterministic documents for the search benchmark, recombined from a test collection's sentences: a
// seeded shuffle of every sentence, cut into documents of about one to three chunks at the service's
// default chunk size, until the service's own chunker counts the chunks asked for.

/** mulberry32: a tiny seeded PRNG (no package needed for one reproducible shuffle). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** The sentences of a text: cut after `.`, `?` or `!` followed by space, whitespace folded. */
export function sentencesOf(text) {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.?!])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length >= 20);
}

/** Characters a document gets per chunk it should have (the default chunk is at most 1,000). */
const CHARS_PER_CHUNK = 850;

/**
 * `{ documents: [{ title, text }], chunks, sentences, queries, name }` with exactly `chunks` chunks as
 * `chunkText` (the service's chunker, default options) cuts them.
 */
export function buildCorpus(collection, { chunks, seed, chunkText }) {
  const random = seededRandom(seed);
  const sentences = collection.documents.flatMap((document) => sentencesOf(document.text));
  const titles = collection.documents.map((document) => document.title).filter(Boolean);
  if (sentences.length === 0 || titles.length === 0)
    throw new Error(`${collection.name} has no sentences to build documents from`);
  let deck = [];
  const nextSentence = () => {
    if (deck.length === 0) deck = shuffle([...sentences], random);
    return deck.pop();
  };
  const documents = [];
  let total = 0;
  // Bounded: every document has at least one chunk.
  while (total < chunks && documents.length < chunks) {
    const wanted = Math.min(chunks - total, 1 + Math.floor(random() * 3));
    const budget = wanted * CHARS_PER_CHUNK - Math.floor(random() * 400);
    const paragraphs = [];
    let paragraph = [];
    let length = 0;
    while (length < budget) {
      const sentence = nextSentence();
      paragraph.push(sentence);
      length += sentence.length + 1;
      if (paragraph.length >= 3 + Math.floor(random() * 4)) {
        paragraphs.push(paragraph.join(' '));
        paragraph = [];
      }
    }
    if (paragraph.length > 0) paragraphs.push(paragraph.join(' '));
    let text = paragraphs.join('\n\n');
    let count = chunkText(text).length;
    // Never past the total asked for: drop trailing sentences until it fits.
    while (total + count > chunks && text.includes(' ')) {
      text = text.slice(0, text.lastIndexOf(' ', text.length - 2)).trim();
      count = chunkText(text).length;
    }
    const title = titles[Math.floor(random() * titles.length)].slice(0, 500);
    documents.push({ title, text });
    total += count;
  }
  return {
    documents,
    chunks: total,
    sentences: sentences.length,
    queries: collection.queries.length,
    name: collection.name,
  };
}
