/** The kinds of file we extract text from. */
export type DocumentKind = 'pdf' | 'html' | 'markdown' | 'text';

export const MEDIA_TYPE_OF: Readonly<Record<DocumentKind, string>> = {
  pdf: 'application/pdf',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
};
