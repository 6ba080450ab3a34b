import { DomainError, ErrorCode, MAX_DOCUMENT_TEXT_CHARS, type FileSubmission } from '@conduit/contracts';
import { ExtractionError, extractText, type ExtractedText } from '../ingest/extraction';

/** An uploaded file's text, or a typed error a client can act on (415, 422, 413). */
export async function fileTextOf(
  bytes: Uint8Array,
  submission: FileSubmission,
  maxBytes: number,
): Promise<ExtractedText> {
  let extracted: ExtractedText;
  try {
    extracted = await extractText(
      bytes,
      { fileName: submission.filename ?? null, contentType: submission.declaredType ?? null },
      { maxBytes },
    );
  } catch (error) {
    if (error instanceof ExtractionError) throw domainErrorOf(error);
    throw error;
  }
  if (extracted.text.length > MAX_DOCUMENT_TEXT_CHARS) {
    throw new DomainError(
      ErrorCode.PayloadTooLarge,
      `The file's text has ${extracted.text.length} characters; at most ${MAX_DOCUMENT_TEXT_CHARS} are indexed`,
      { characters: extracted.text.length, maxCharacters: MAX_DOCUMENT_TEXT_CHARS },
    );
  }
  return extracted;
}

function domainErrorOf(error: ExtractionError): DomainError {
  const details = { reason: error.failure, ...error.details };
  switch (error.failure) {
    case 'unsupported-type':
    case 'type-mismatch':
      return new DomainError(ErrorCode.UnsupportedFileType, error.message, details);
    case 'corrupt-file':
    case 'empty-text':
      return new DomainError(ErrorCode.UnreadableFile, error.message, details);
    case 'too-large':
      return new DomainError(ErrorCode.PayloadTooLarge, error.message, details);
  }
}
