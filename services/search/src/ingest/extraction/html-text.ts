import { compile, type FormatCallback } from 'html-to-text';

export interface HtmlText {
  /** The page's text; headings as `#`-prefixed lines, code blocks fenced with ``` . */
  readonly text: string;
  /** The page's `<title>`, if it has one. */
  readonly title: string | null;
}

/** Headings stay headings (`## Install`) so chunking can follow the page's sections. */
const markdownHeading: FormatCallback = (elem, walk, builder, formatOptions) => {
  const level = Number(formatOptions['level']) || 1;
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral(`${'#'.repeat(level)} `);
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

/** Preformatted text is fenced, so chunking keeps code apart from prose. */
const fencedCode: FormatCallback = (elem, walk, builder) => {
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral('```');
  builder.closeBlock({ trailingLineBreaks: 1 });
  builder.openBlock({ isPre: true, leadingLineBreaks: 1 });
  walk(elem.children, builder);
  builder.closeBlock({ trailingLineBreaks: 1 });
  builder.openBlock({ leadingLineBreaks: 1 });
  builder.addLiteral('```');
  builder.closeBlock({ trailingLineBreaks: 2 });
};

/** Parts of a page that are not its content. */
const SKIPPED = [
  'script',
  'style',
  'noscript',
  'template',
  'nav',
  'svg',
  'canvas',
  'iframe',
  'object',
  'img',
];

const pageText = compile({
  wordwrap: false,
  formatters: { markdownHeading, fencedCode },
  selectors: [
    ...[1, 2, 3, 4, 5, 6].map((level) => ({
      selector: `h${level}`,
      format: 'markdownHeading',
      options: { level },
    })),
    { selector: 'pre', format: 'fencedCode' },
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'ul', options: { itemPrefix: ' - ' } },
    ...SKIPPED.map((selector) => ({ selector, format: 'skip' })),
  ],
});

const titleText = compile({
  wordwrap: false,
  baseElements: { selectors: ['title'], returnDomByDefault: false },
});

export function readHtmlText(html: string): HtmlText {
  const title = titleText(html).trim();
  return { text: pageText(html), title: title || null };
}
