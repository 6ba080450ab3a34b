import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { DomainError, ErrorCode } from '@conduit/contracts';
import type { VoiceAudioTransfer } from './voice-audio-transfer';

export interface AudioUploadForm {
  /** The recording's name in the voice audio bucket. */
  readonly upload: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Reads a multipart/form-data body with one `file` part (streamed into the voice audio bucket as it
 * arrives) and the text fields in `allowedFields`. The caller must `discard` the upload when done;
 * on an error here the upload is discarded already.
 */
export async function readAudioUploadForm(
  request: FastifyRequest,
  transfer: VoiceAudioTransfer,
  options: { allowedFields: readonly string[]; maxBytes: number },
): Promise<AudioUploadForm> {
  if (!request.isMultipart())
    throw new DomainError(
      ErrorCode.ValidationFailed,
      'Send the recording as multipart/form-data, in a `file` part',
    );
  const fields: Record<string, string> = {};
  let upload: string | undefined;
  try {
    for await (const part of request.parts({ limits: { fileSize: options.maxBytes } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || upload) {
          part.file.resume();
          throw new DomainError(ErrorCode.ValidationFailed, 'Send exactly one recording, in the `file` part');
        }
        upload = await transfer.put(Readable.toWeb(part.file) as ReadableStream<Uint8Array>);
        if (part.file.truncated) throw tooLarge(options.maxBytes);
      } else if (options.allowedFields.includes(part.fieldname)) {
        fields[part.fieldname] = String(part.value);
      } else {
        throw new DomainError(ErrorCode.ValidationFailed, `Unexpected form field: ${part.fieldname}`);
      }
    }
    if (!upload)
      throw new DomainError(ErrorCode.ValidationFailed, 'No recording: send it in the `file` part');
    return { upload, fields };
  } catch (error) {
    if (upload) await transfer.discard(upload);
    throw asDomainError(error, options.maxBytes);
  }
}

function tooLarge(maxBytes: number): DomainError {
  return new DomainError(ErrorCode.PayloadTooLarge, 'The recording is larger than allowed', { maxBytes });
}

/** The multipart parser's own errors (a file over the limit, a malformed form) as typed errors. */
function asDomainError(error: unknown, maxBytes: number): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes);
  if (typeof code === 'string' && code.startsWith('FST_'))
    return new DomainError(ErrorCode.ValidationFailed, 'The form could not be read as multipart/form-data');
  return error;
}
