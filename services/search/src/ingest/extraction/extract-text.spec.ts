import { deflateSync } from 'node:zlib';
import { extractText, ExtractionError, type ExtractionFailure } from './index';

const LIMITS = { maxBytes: 1_000_000 };

/** PDF string literal escaping: backslash and parentheses. */
const pdfString = (text: string) => `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;

/**
 * A small, valid PDF written byte by byte: one page per entry, each a list of lines in Helvetica,
 * a correct cross-reference table, optionally a document Title.
 */
function minimalPdf(pages: readonly (readonly string[])[], title?: string): Buffer {
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 4 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  pages.forEach((lines, i) => {
    const content = lines.length
      ? `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((line) => `${pdfString(line)} '`).join(' ')} ET`
      : '';
    objects[4 + i * 2] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`;
    objects[5 + i * 2] =
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
  });
  const infoId = objects.length;
  if (title !== undefined) objects[infoId] = `<< /Title ${pdfString(title)} >>`;
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  out += offsets
    .slice(1)
    .map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`)
    .join('');
  const info = title !== undefined ? ` /Info ${infoId} 0 R` : '';
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R${info} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A real 1×1 PNG (signature, IHDR, IDAT, IEND); CRCs are not checked by the sniffer, so zeros do. */
function tinyPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from([0, 0, 0, 0, 0]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function failureOf(promise: Promise<unknown>): Promise<ExtractionFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExtractionError) return error.failure;
    throw error;
  }
  throw new Error('expected an ExtractionError');
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('extractText', () => {
  describe('PDF', () => {
    it('reads every page of a valid PDF, with its title', async () => {
      const pdf = minimalPdf(
        [['Installing Conduit', 'Run npm ci first.'], ['Second page (of two)']],
        'Handbook',
      );
      const result = await extractText(
        pdf,
        { fileName: 'handbook.pdf', contentType: 'application/pdf' },
        LIMITS,
      );
      expect(result).toMatchObject({ kind: 'pdf', mediaType: 'application/pdf', title: 'Handbook' });
      expect(result.text).toContain('Installing Conduit');
      expect(result.text).toContain('Run npm ci first.');
      expect(result.text.indexOf('Run npm ci first.')).toBeLessThan(
        result.text.indexOf('Second page (of two)'),
      );
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-'); // the caller's buffer is left usable
    });

    it('reads a PDF declared as plain text: the content decides', async () => {
      const result = await extractText(
        minimalPdf([['Quarterly figures']]),
        { fileName: 'notes.txt' },
        LIMITS,
      );
      expect(result.kind).toBe('pdf');
      expect(result.text).toBe('Quarterly figures');
    });

    it('reads more PDFs at once than there are cores, each its own', async () => {
      const texts = Array.from({ length: 5 }, (_, i) => `Document number ${i}`);
      const results = await Promise.all(texts.map((text) => extractText(minimalPdf([[text]]), {}, LIMITS)));
      expect(results.map((result) => result.text)).toEqual(texts);
    });

    it('refuses a truncated PDF as corrupt', async () => {
      const pdf = minimalPdf([['Some text that will be cut off']]);
      const truncated = pdf.subarray(0, Math.floor(pdf.length / 2));
      expect(await failureOf(extractText(truncated, { fileName: 'cut.pdf' }, LIMITS))).toBe('corrupt-file');
    });

    it('refuses garbage behind a PDF header as corrupt', async () => {
      const garbage = Buffer.concat([
        Buffer.from('%PDF-1.7\n'),
        Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 37) % 256)),
      ]);
      expect(await failureOf(extractText(garbage, {}, LIMITS))).toBe('corrupt-file');
    });

    it('refuses a PDF without a text layer as empty', async () => {
      expect(await failureOf(extractText(minimalPdf([[]]), { fileName: 'scan.pdf' }, LIMITS))).toBe(
        'empty-text',
      );
    });

    it('gives up on a PDF that takes longer than the time limit', async () => {
      const pdf = minimalPdf([['Slow']]);
      const error = await extractText(pdf, {}, { ...LIMITS, pdfTimeoutMs: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExtractionError);
      expect(error).toMatchObject({
        failure: 'corrupt-file',
        message: expect.stringContaining('within 1 ms'),
      });
    });
  });

  describe('lying declarations', () => {
    it.each([
      ['a .pdf that is plain text', utf8('just some notes'), { fileName: 'report.pdf' }],
      ['application/pdf that is HTML', utf8('<!doctype html><p>hi</p>'), { contentType: 'application/pdf' }],
      ['a .docx that is plain text', utf8('plain words'), { fileName: 'letter.docx' }],
      ['image/png that is Markdown', utf8('# Title\n\ntext'), { contentType: 'image/png' }],
    ])('refuses %s', async (_label, bytes, declared) => {
      expect(await failureOf(extractText(bytes, declared, LIMITS))).toBe('type-mismatch');
    });

    it('refuses a PNG named .txt as unsupported, naming what it is', async () => {
      const error = await extractText(
        tinyPng(),
        { fileName: 'notes.txt', contentType: 'text/plain' },
        LIMITS,
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({
        failure: 'unsupported-type',
        details: { type: expect.stringContaining('png') },
      });
    });
  });

  describe('unsupported content', () => {
    it.each([
      ['a PNG', tinyPng()],
      [
        'a zip archive',
        Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 0x21, 0, 0xff, 0xfe, 0, 0]),
      ],
      ['Latin-1 text (not UTF-8)', Buffer.from('caf\xe9 cr\xe8me br\xfbl\xe9e', 'latin1')],
      ['XML', utf8('<?xml version="1.0"?>\n<catalog><book id="1"/></catalog>')],
      ['SVG', utf8('<svg xmlns="http://www.w3.org/2000/svg"><text>hi</text></svg>')],
      ['random bytes', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256))],
    ])('refuses %s', async (_label, bytes) => {
      expect(await failureOf(extractText(bytes, {}, LIMITS))).toBe('unsupported-type');
    });
  });

  describe('plain text and Markdown', () => {
    it('strips the byte-order mark and normalises newlines', async () => {
      const bytes = Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        utf8('line one\r\nline two\rline three\n'),
      ]);
      const result = await extractText(bytes, { fileName: 'a.txt' }, LIMITS);
      expect(result).toEqual({
        kind: 'text',
        mediaType: 'text/plain',
        text: 'line one\nline two\nline three',
        title: null,
      });
    });

    it('reads UTF-16 text with its byte-order mark', async () => {
      const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße aus Köln', 'utf16le')]);
      expect((await extractText(bytes, {}, LIMITS)).text).toBe('Grüße aus Köln');
    });

    it('reads text whose first bytes happen to match a binary signature', async () => {
      // "BM" opens a bitmap, "ID3" an MP3: the words are still text.
      expect((await extractText(utf8('BMW builds cars.'), {}, LIMITS)).text).toBe('BMW builds cars.');
      expect((await extractText(utf8('ID3 tags name songs.'), {}, LIMITS)).kind).toBe('text');
    });

    it('keeps Markdown as it is, HTML snippets included', async () => {
      const markdown = '# Install\n\n<p>Use the <b>installer</b>.</p>\n\n## Linux\n\n```sh\nnpm ci\n```';
      const result = await extractText(utf8(markdown), { fileName: 'README.md' }, LIMITS);
      expect(result).toMatchObject({ kind: 'markdown', mediaType: 'text/markdown', text: markdown });
    });

    it('reads text declared as HTML but with no markup as text (its line breaks kept)', async () => {
      const result = await extractText(
        utf8('first paragraph\n\nsecond paragraph'),
        { contentType: 'text/html' },
        LIMITS,
      );
      expect(result).toMatchObject({ kind: 'text', text: 'first paragraph\n\nsecond paragraph' });
    });

    it('reads CJK text', async () => {
      expect((await extractText(utf8('東京は日本の首都です。'), {}, LIMITS)).text).toBe(
        '東京は日本の首都です。',
      );
    });
  });

  describe('HTML', () => {
    const page = `<!DOCTYPE html>
<html><head><title>Conduit docs</title><style>body { color: red }</style>
<script>window.secret = "tracking code";</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/docs">Docs</a></nav>
<h1>Install</h1><p>Run the <a href="https://example.test">installer</a> &amp; wait.</p>
<h2>Linux</h2><p>Use the package.</p>
<pre>npm ci
npm run build</pre>
<noscript>enable scripts</noscript>
</body></html>`;

    it('keeps headings as # lines and code fenced, drops scripts, styles and navigation', async () => {
      const result = await extractText(utf8(page), { fileName: 'index.html' }, LIMITS);
      expect(result.kind).toBe('html');
      expect(result.title).toBe('Conduit docs');
      expect(result.text).toBe(
        '# Install\n\nRun the installer & wait.\n\n## Linux\n\nUse the package.\n\n```\nnpm ci\nnpm run build\n```',
      );
    });

    it('recognises a page whatever it was declared as, and an HTML fragment when undeclared', async () => {
      expect((await extractText(utf8(page), { fileName: 'page.txt' }, LIMITS)).kind).toBe('html');
      const fragment = await extractText(utf8('<h2>Notes</h2><p>One.</p><p>Two.</p>'), {}, LIMITS);
      expect(fragment).toMatchObject({ kind: 'html', text: '## Notes\n\nOne.\n\nTwo.' });
    });

    it('refuses a page with no visible text as empty', async () => {
      const html = '<html><head><script>run()</script></head><body><nav>menu</nav></body></html>';
      expect(await failureOf(extractText(utf8(html), {}, LIMITS))).toBe('empty-text');
    });
  });

  describe('size and emptiness', () => {
    it('refuses a file over the caller’s limit before reading it', async () => {
      const error = await extractText(utf8('x'.repeat(101)), {}, { maxBytes: 100 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ failure: 'too-large', details: { bytes: 101, maxBytes: 100 } });
    });

    it.each([
      ['no bytes', Buffer.alloc(0)],
      ['only whitespace', utf8(' \n\r\n\t ')],
      ['only a byte-order mark', Buffer.from([0xef, 0xbb, 0xbf])],
    ])('refuses %s as empty', async (_label, bytes) => {
      expect(await failureOf(extractText(bytes, {}, LIMITS))).toBe('empty-text');
    });
  });
});
