import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { DomainError, ErrorCode } from '@conduit/contracts';

/** Where an upload's bytes go as they arrive (an Object Store bucket), and how to drop them. */
export interface UploadSink {
  put(content: ReadableStream<Uint8Array>): Promise<string>;
  discard(name: string): Promise<void>;
}

export interface UploadForm {
  /** The file's name in the sink. */
  readonly upload: string;
  /** The name the client gave the file, when it gave one. */
  readonly filename: string | null;
  /** The Content-Type the client sent with the file, when it sent one: a claim, never to be trusted. */
  readonly declaredType: string | null;
  readonly fields: Readonly<Record<string, string>>;
}

export interface UploadFormOptions {
  allowedFields: readonly string[];
  maxBytes: number;
  /** What the file is, for error messages ("recording", "file"). */
  noun: string;
}

/**
 * Reads a multipart/form-data body with one `file` part (streamed into `sink` as it arrives) and the
 * text fields in `allowedFields`. The caller must `discard` the upload when done; on an error here the
 * upload is discarded already.
 */
export async function readUploadForm(
  request: FastifyRequest,
  sink: UploadSink,
  options: UploadFormOptions,
): Promise<UploadForm> {
  const { noun } = options;
  if (!request.isMultipart())
    throw new DomainError(
      ErrorCode.ValidationFailed,
      `Send the ${noun} as multipart/form-data, in a \`file\` part`,
    );
  const fields: Record<string, string> = {};
  let upload: string | undefined;
  let filename: string | null = null;
  let declaredType: string | null = null;
  try {
    for await (const part of request.parts({ limits: { fileSize: options.maxBytes } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || upload) {
          part.file.resume();
          throw new DomainError(ErrorCode.ValidationFailed, `Send exactly one ${noun}, in the \`file\` part`);
        }
        filename = part.filename || null;
        declaredType = part.mimetype || null;
        upload = await sink.put(Readable.toWeb(part.file) as ReadableStream<Uint8Array>);
        if (part.file.truncated) throw tooLarge(noun, options.maxBytes);
      } else if (options.allowedFields.includes(part.fieldname)) {
        fields[part.fieldname] = String(part.value);
      } else {
        throw new DomainError(ErrorCode.ValidationFailed, `Unexpected form field: ${part.fieldname}`);
      }
    }
    if (!upload)
      throw new DomainError(ErrorCode.ValidationFailed, `No ${noun}: send it in the \`file\` part`);
    return { upload, filename, declaredType, fields };
  } catch (error) {
    if (upload) await sink.discard(upload);
    throw asDomainError(error, noun, options.maxBytes);
  }
}

function tooLarge(noun: string, maxBytes: number): DomainError {
  return new DomainError(ErrorCode.PayloadTooLarge, `The ${noun} is larger than allowed`, { maxBytes });
}

/** The multipart parser's own errors (a file over the limit, a malformed form) as typed errors. */
function asDomainError(error: unknown, noun: string, maxBytes: number): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(noun, maxBytes);
  if (typeof code === 'string' && code.startsWith('FST_'))
    return new DomainError(ErrorCode.ValidationFailed, 'The form could not be read as multipart/form-data');
  return error;
}
