import { extname } from 'node:path';
import type { DocumentKind } from './document-kind';

/** What the client said the file is; either part may be missing or wrong. */
export interface DeclaredType {
  readonly fileName?: string | null;
  readonly contentType?: string | null;
}

/**
 * A declaration read as one of our kinds, `other` for a specific type we do not read (an image, a Word
 * file), or `unknown` when it says nothing useful (no name, `application/octet-stream`, `.csv`).
 */
export type DeclaredKind = DocumentKind | 'other' | 'unknown';

const KIND_OF_EXTENSION: Readonly<Record<string, DeclaredKind>> = {
  '.pdf': 'pdf',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdown': 'markdown',
  '.mkd': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  // Formats whose bytes we do not read even when a client names them: declaring one is a claim that
  // the content is not plain text.
  '.doc': 'other',
  '.docx': 'other',
  '.odt': 'other',
  '.rtf': 'other',
  '.xls': 'other',
  '.xlsx': 'other',
  '.ppt': 'other',
  '.pptx': 'other',
  '.epub': 'other',
  '.zip': 'other',
  '.gz': 'other',
  '.png': 'other',
  '.jpg': 'other',
  '.jpeg': 'other',
  '.gif': 'other',
  '.webp': 'other',
  '.mp3': 'other',
  '.mp4': 'other',
  '.exe': 'other',
};

const KIND_OF_MEDIA_TYPE: Readonly<Record<string, DeclaredKind>> = {
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'application/octet-stream': 'unknown',
  'binary/octet-stream': 'unknown',
};

const BINARY_MEDIA_TOP_LEVELS = new Set(['image', 'audio', 'video', 'font', 'model']);

function kindOfFileName(fileName: string | null | undefined): DeclaredKind {
  if (!fileName) return 'unknown';
  return KIND_OF_EXTENSION[extname(fileName).toLowerCase()] ?? 'unknown';
}

function kindOfContentType(contentType: string | null | undefined): DeclaredKind {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (!mediaType) return 'unknown';
  const known = KIND_OF_MEDIA_TYPE[mediaType];
  if (known) return known;
  const topLevel = mediaType.split('/')[0] ?? '';
  if (BINARY_MEDIA_TOP_LEVELS.has(topLevel)) return 'other';
  if (/^application\/(zip|gzip|msword|vnd\.(openxmlformats|oasis|ms-))/.test(mediaType)) return 'other';
  return 'unknown';
}

/** The kinds the declaration claims: from the file name and from the content type (each may be `unknown`). */
export function declaredKinds(declared: DeclaredType): readonly DeclaredKind[] {
  return [kindOfFileName(declared.fileName), kindOfContentType(declared.contentType)].filter(
    (kind) => kind !== 'unknown',
  );
}
