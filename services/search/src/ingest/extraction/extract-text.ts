import { type DeclaredType, declaredKinds } from './declared-type';
import { normaliseNewlines } from './decode-text';
import { type DocumentKind, MEDIA_TYPE_OF } from './document-kind';
import { ExtractionError } from './extraction-error';
import { readHtmlText } from './html-text';
import { readPdfText } from './pdf-text';
import { type SniffedContent, sniffContent } from './sniff-content';

export interface ExtractionOptions {
  /** Files larger than this are refused before anything is read. */
  readonly maxBytes: number;
  /** PDF reading time limit (default 20 s). */
  readonly pdfTimeoutMs?: number;
  /** Heap limit of the PDF reading thread (default 256 MB). */
  readonly pdfMaxHeapMb?: number;
}

export interface ExtractedText {
  /** What the content turned out to be (the declaration only decides between HTML fragments and text). */
  readonly kind: DocumentKind;
  readonly mediaType: string;
  /** The text, `\n` newlines, no byte-order mark; Markdown-style `#` headings where the format has them. */
  readonly text: string;
  /** A title found in the file (PDF metadata, HTML `<title>`), or null. */
  readonly title: string | null;
}

const DEFAULT_PDF_TIMEOUT_MS = 20_000;
const DEFAULT_PDF_MAX_HEAP_MB = 256;

/** The kind to read a text as: content markers first, the declaration only where they are unsure. */
function textKind(
  sniffed: Extract<SniffedContent, { kind: 'text' }>,
  declared: readonly string[],
): DocumentKind {
  if (sniffed.html === 'document') return 'html';
  if (sniffed.html === 'fragment' && !declared.includes('markdown') && !declared.includes('text'))
    return 'html';
  if (sniffed.markdown || declared.includes('markdown')) return 'markdown';
  return 'text';
}

function describe(sniffed: Exclude<SniffedContent, { kind: 'unsupported' }>): string {
  return sniffed.kind === 'pdf' ? 'PDF' : 'text';
}

/**
 * Refuses what cannot or must not be read: too large, unsupported content, and declarations the
 * content contradicts in a way that matters (a `.pdf` that is no PDF, a `.docx` that is plain text).
 * A PDF sent as `.txt` is read as the PDF it is: the content decides, and nothing is lost.
 */
function check(
  bytes: Uint8Array,
  declared: DeclaredType,
  options: ExtractionOptions,
): Exclude<SniffedContent, { kind: 'unsupported' }> {
  if (bytes.length > options.maxBytes)
    throw new ExtractionError(
      'too-large',
      `the file has ${bytes.length} bytes; at most ${options.maxBytes} are allowed`,
      {
        bytes: bytes.length,
        maxBytes: options.maxBytes,
      },
    );
  if (bytes.length === 0) throw new ExtractionError('empty-text', 'the file is empty');
  const sniffed = sniffContent(bytes);
  if (sniffed.kind === 'unsupported')
    throw new ExtractionError(
      'unsupported-type',
      `unsupported content: ${sniffed.description}; plain text, Markdown, HTML and PDF are supported`,
      { type: sniffed.description },
    );
  const claims = declaredKinds(declared);
  const contradicted = (claims.includes('pdf') && sniffed.kind !== 'pdf') || claims.includes('other');
  if (contradicted) {
    const claimed = [declared.fileName, declared.contentType].filter(Boolean).join(', ');
    throw new ExtractionError(
      'type-mismatch',
      `declared as ${claimed}, but the content is ${describe(sniffed)}`,
      {
        declared: claimed,
        type: describe(sniffed),
      },
    );
  }
  return sniffed;
}

function finish(kind: DocumentKind, text: string, title: string | null): ExtractedText {
  const normalised = normaliseNewlines(text).trim();
  if (normalised === '')
    throw new ExtractionError('empty-text', `the ${kind === 'pdf' ? 'PDF' : 'file'} holds no text`, {
      type: kind,
    });
  return { kind, mediaType: MEDIA_TYPE_OF[kind], text: normalised, title };
}

/**
 * The text of an uploaded file. The type is sniffed from the content; `declared` (the client's file
 * name and content type) is checked against it. Fails with an {@link ExtractionError}.
 */
export async function extractText(
  bytes: Uint8Array,
  declared: DeclaredType,
  options: ExtractionOptions,
): Promise<ExtractedText> {
  const sniffed = check(bytes, declared, options);
  if (sniffed.kind === 'pdf') {
    const pdf = await readPdfText(bytes, {
      timeoutMs: options.pdfTimeoutMs ?? DEFAULT_PDF_TIMEOUT_MS,
      maxHeapMb: options.pdfMaxHeapMb ?? DEFAULT_PDF_MAX_HEAP_MB,
    });
    return finish('pdf', pdf.pages.map((page) => page.trim()).join('\n\n'), pdf.title);
  }
  const kind = textKind(sniffed, declaredKinds(declared));
  if (kind === 'html') {
    const html = readHtmlText(sniffed.text);
    return finish('html', html.text, html.title);
  }
  return finish(kind, sniffed.text, null);
}
