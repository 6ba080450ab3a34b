/** Why a file gave no text to index; the caller turns each into a clear 4xx. */
export type ExtractionFailure =
  /** The content is a type we do not read (an image, an archive, XML, non-UTF-8 text, ...). */
  | 'unsupported-type'
  /** The declared type contradicts the content in a way that matters (a `.pdf` that is not a PDF). */
  | 'type-mismatch'
  /** The content claims a type it cannot be read as (a truncated or garbage PDF). */
  | 'corrupt-file'
  /** The file was read, but holds no text (an empty file, a scanned PDF without a text layer). */
  | 'empty-text'
  /** More bytes than the caller allows. */
  | 'too-large';

export class ExtractionError extends Error {
  constructor(
    readonly failure: ExtractionFailure,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
    this.name = 'ExtractionError';
  }
}
