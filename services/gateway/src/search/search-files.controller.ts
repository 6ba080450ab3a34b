import { Controller, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Bus } from '@conduit/bus';
import {
  AcceptedDocumentSchema,
  DomainError,
  ErrorCode,
  FileSubmissionSchema,
  SearchContract,
  validationError,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import { z } from 'zod';
import type { GatewayConfig } from '../config';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { FileFormFieldsSchema } from './search-documents.schema';
import { SearchTransfer } from './search-transfer';

/** Reading a PDF can take a while; the search service bounds it itself. */
const FILE_TIMEOUT_MS = 90_000;
const TEXT_FIELDS = ['title', 'source', 'date', 'collection'] as const;

/**
 * Uploads (multipart/form-data): one `file` part, plus optional `title`, `source`, `date`, `collection`
 * and `tags` (repeated, or comma-separated) fields. The bytes go to the uploads bucket as they arrive;
 * the search service tells the type from the content, extracts the text and indexes it.
 */
@Controller('api/v1/search/files')
export class SearchFilesController {
  constructor(
    private readonly bus: Bus,
    private readonly transfer: SearchTransfer,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  @Post()
  @ApiRoute({
    summary: `Upload a file to search (multipart/form-data: \`file\`, and optional \`title\`, \`source\`, \`date\`, \`collection\`, \`tags\`): plain text, Markdown, HTML or PDF, the type told from the content; up to SEARCH_FILE_MAX_BYTES`,
    tag: 'search',
    multipart: { fields: FileFormFieldsSchema, file: 'file' },
    response: AcceptedDocumentSchema.extend({ contentType: z.string() }),
    successStatus: 202,
  })
  async upload(@Req() request: FastifyRequest, @Caller() caller: AuthenticatedCaller) {
    if (!request.isMultipart()) {
      throw new DomainError(ErrorCode.ValidationFailed, 'Send the file as multipart/form-data');
    }
    const fields: Record<string, unknown> = {};
    const tags: string[] = [];
    let upload: { name: string; filename: string; mimetype: string } | null = null;
    try {
      for await (const part of request.parts({ limits: { fileSize: this.config.SEARCH_FILE_MAX_BYTES } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || upload) {
            part.file.resume();
            throw new DomainError(ErrorCode.ValidationFailed, 'Send exactly one file, in the `file` part');
          }
          const name = await this.transfer.putFile(Readable.toWeb(part.file) as ReadableStream<Uint8Array>);
          upload = { name, filename: part.filename, mimetype: part.mimetype };
          if (part.file.truncated) throw this.tooLarge();
        } else if (part.fieldname === 'tags') {
          tags.push(
            ...String(part.value)
              .split(',')
              .map((tag) => tag.trim())
              .filter((tag) => tag.length > 0),
          );
        } else if ((TEXT_FIELDS as readonly string[]).includes(part.fieldname)) {
          fields[part.fieldname] = String(part.value);
        } else {
          throw new DomainError(ErrorCode.ValidationFailed, `Unexpected form field: ${part.fieldname}`);
        }
      }
      if (!upload) throw new DomainError(ErrorCode.ValidationFailed, 'No file: send it in the `file` part');
      const submission = FileSubmissionSchema.safeParse({
        upload: upload.name,
        ...(upload.filename ? { filename: upload.filename.slice(0, 500) } : {}),
        ...(upload.mimetype ? { declaredType: upload.mimetype.slice(0, 200) } : {}),
        ...fields,
        ...(tags.length > 0 ? { tags } : {}),
      });
      if (!submission.success) throw validationError(submission.error, 'form fields');
      return await this.bus.request(SearchContract.submitFile, submission.data, caller, {
        timeoutMs: FILE_TIMEOUT_MS,
      });
    } catch (error) {
      throw this.asDomainError(error);
    } finally {
      if (upload) await this.transfer.discard({ upload: upload.name });
    }
  }

  private tooLarge(): DomainError {
    return new DomainError(ErrorCode.PayloadTooLarge, 'The file is larger than allowed', {
      maxBytes: this.config.SEARCH_FILE_MAX_BYTES,
    });
  }

  /** The multipart parser's own errors (a file over the limit, a malformed form) as typed errors. */
  private asDomainError(error: unknown): unknown {
    if (error instanceof DomainError) return error;
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') return this.tooLarge();
    if (typeof code === 'string' && code.startsWith('FST_')) {
      return new DomainError(ErrorCode.ValidationFailed, 'The form could not be read as multipart/form-data');
    }
    return error;
  }
}
