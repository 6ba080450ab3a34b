import { filetypeinfo } from 'magic-bytes.js';
import { decodeText } from './decode-text';

/** How HTML-like a text is: `document` starts like a page, `fragment` is markup such as `<p>..</p>`. */
export type HtmlMarkers = 'document' | 'fragment' | 'none';

/** What the bytes are, judged from the content alone. */
export type SniffedContent =
  | { readonly kind: 'pdf' }
  | {
      readonly kind: 'text';
      /** The decoded text (byte-order mark removed, newlines as they were). */
      readonly text: string;
      readonly html: HtmlMarkers;
      readonly markdown: boolean;
    }
  | { readonly kind: 'unsupported'; readonly description: string };

/** How far into a text the markers are looked for; enough for any page's opening. */
const HEAD_CHARS = 4096;

const PDF_SIGNATURE = '%PDF-';
/** PDF readers accept the header anywhere in the first 1024 bytes (junk before it is allowed). */
const PDF_HEADER_WINDOW = 1024;

/** Comments, XML declarations and whitespace that may come before a page's first tag. */
const PAGE_PREAMBLE = /^(?:\s+|<!--[\s\S]*?-->|<\?xml[^>]*>)*/;
const PAGE_OPENING = /^<(?:!doctype\s+html|html|head|body)[\s>]/i;
const FRAGMENT_CLOSING_TAG =
  /<\/(?:p|div|h[1-6]|ul|ol|li|table|tr|td|span|a|section|article|main|b|i|em|strong|pre|code)>/i;
const MARKDOWN_SIGNS = /^(?:#{1,6}[ \t]+\S|```|~~~)/m;
const XML_LIKE = /^<(?:\?xml|svg[\s>]|rss[\s>]|feed[\s>])/i;

function startsWithPdfHeader(bytes: Uint8Array): boolean {
  const window = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, PDF_HEADER_WINDOW));
  return window.includes(PDF_SIGNATURE, 0, 'latin1');
}

function htmlMarkersOf(head: string): HtmlMarkers {
  const opening = head.replace(PAGE_PREAMBLE, '');
  if (PAGE_OPENING.test(opening)) return 'document';
  if (opening.startsWith('<') && FRAGMENT_CLOSING_TAG.test(head)) return 'fragment';
  return 'none';
}

/** Whether a text is markup we do not index as a page (XML, SVG, feeds). */
function isNonHtmlMarkup(head: string, html: HtmlMarkers): boolean {
  return html === 'none' && XML_LIKE.test(head.trimStart());
}

export function sniffContent(bytes: Uint8Array): SniffedContent {
  const magic = filetypeinfo(bytes);
  // The magic numbers only look at offset 0; PDF readers also accept a header after some junk.
  if (magic[0]?.typename === 'pdf' || startsWithPdfHeader(bytes)) return { kind: 'pdf' };
  // Text before magic numbers: short signatures match ordinary words ("BMW ..." reads as a bitmap).
  const text = decodeText(bytes);
  if (text !== null) {
    const head = text.slice(0, HEAD_CHARS);
    const html = htmlMarkersOf(head);
    if (isNonHtmlMarkup(head, html)) return { kind: 'unsupported', description: 'XML or SVG markup' };
    return { kind: 'text', text, html, markdown: MARKDOWN_SIGNS.test(text) };
  }
  const [match] = magic;
  return {
    kind: 'unsupported',
    description: match ? `${match.typename} (${match.mime ?? 'binary'})` : 'binary data',
  };
}
