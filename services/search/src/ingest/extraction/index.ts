export type { DeclaredType } from './declared-type';
export type { DocumentKind } from './document-kind';
export { ExtractionError, type ExtractionFailure } from './extraction-error';
export { type ExtractedText, type ExtractionOptions, extractText } from './extract-text';
