import { Body, Controller, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Readable, Transform } from 'node:stream';
import { z } from 'zod';
import { AcceptedImportSchema, DomainError, ErrorCode } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { HealthIntake } from './health-intake';
import { appleHealthUploadKind, bloodTestUploadKind, fitUploadKind } from './upload-kind';

const TAG = 'health';
const HEAD_BYTES = 64;
const NoFields = z.object({});

/** At most this many results in one JSON body; larger reports go up as a file. */
const MAX_JSON_RESULTS = 10_000;
const BloodTestBodySchema = z.strictObject({
  results: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_JSON_RESULTS),
});

/**
 * Health uploads: accepted into the durable import stream before the 202 (`{importId}`), ingested by
 * the health-data service; `GET /api/v1/health/imports/:id` says how it went.
 */
@Controller('api/v1/health')
export class HealthUploadsController {
  constructor(
    private readonly intake: HealthIntake,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  @Post('uploads/fit')
  @ApiRoute({
    summary:
      'Upload a Garmin FIT file, or a zip of many (multipart/form-data, one `file` part; told from its bytes) → 202 {importId}; up to HEALTH_UPLOAD_MAX_BYTES',
    tag: TAG,
    multipart: { fields: NoFields, file: 'file' },
    response: AcceptedImportSchema,
    successStatus: 202,
  })
  uploadFit(@Req() request: FastifyRequest, @Caller() caller: AuthenticatedCaller) {
    return this.upload(request, caller, (head) => {
      const kind = fitUploadKind(head);
      if (!kind) {
        throw new DomainError(ErrorCode.UnsupportedFileType, 'Not a FIT file or a zip archive of FIT files');
      }
      return kind;
    });
  }

  @Post('uploads/apple-health')
  @ApiRoute({
    summary:
      'Upload an Apple Health export: the export.zip the Health app shares, or its export.xml (multipart/form-data, one `file` part; told from its bytes) → 202 {importId}; up to HEALTH_EXPORT_MAX_BYTES, streamed',
    tag: TAG,
    multipart: { fields: NoFields, file: 'file' },
    response: AcceptedImportSchema,
    successStatus: 202,
  })
  uploadAppleHealth(@Req() request: FastifyRequest, @Caller() caller: AuthenticatedCaller) {
    return this.upload(
      request,
      caller,
      (head) => {
        const kind = appleHealthUploadKind(head);
        if (!kind) {
          throw new DomainError(
            ErrorCode.UnsupportedFileType,
            'Not an Apple Health export (export.zip or export.xml)',
          );
        }
        return kind;
      },
      this.config.HEALTH_EXPORT_MAX_BYTES,
    );
  }

  @Post('uploads/blood-tests')
  @ApiRoute({
    summary:
      'Upload blood test results as a JSON or CSV file (multipart/form-data, one `file` part) → 202 {importId}',
    tag: TAG,
    multipart: { fields: NoFields, file: 'file' },
    response: AcceptedImportSchema,
    successStatus: 202,
  })
  uploadBloodTests(@Req() request: FastifyRequest, @Caller() caller: AuthenticatedCaller) {
    return this.upload(request, caller, bloodTestUploadKind);
  }

  @Post('blood-tests')
  @ApiRoute({
    summary:
      'Send blood test results as JSON ({results: [{analyte, value, unit, date, lab?, referenceRange?}]}) → 202 {importId}',
    tag: TAG,
    body: BloodTestBodySchema,
    response: AcceptedImportSchema,
    successStatus: 202,
  })
  sendBloodTests(@Body() body: z.output<typeof BloodTestBodySchema>, @Caller() caller: AuthenticatedCaller) {
    return this.intake.accept(caller, 'blood-test-json', { bytes: Buffer.from(JSON.stringify(body)) });
  }

  /** Streams the one `file` part into the uploads bucket, tells its kind from its first bytes, accepts it. */
  private async upload<
    Kind extends 'fit' | 'fit-zip' | 'blood-test-json' | 'blood-test-csv' | 'apple-health',
  >(
    request: FastifyRequest,
    caller: AuthenticatedCaller,
    kindOf: (head: Uint8Array) => Kind,
    maxBytes = this.config.HEALTH_UPLOAD_MAX_BYTES,
  ) {
    if (!request.isMultipart()) {
      throw new DomainError(ErrorCode.ValidationFailed, 'Send the file as multipart/form-data');
    }
    let upload: { object: string; filename: string; size: number; head: Buffer } | null = null;
    let accepted = false;
    try {
      for await (const part of request.parts({ limits: { fileSize: maxBytes } })) {
        if (part.type !== 'file') {
          throw new DomainError(ErrorCode.ValidationFailed, `Unexpected form field: ${part.fieldname}`);
        }
        if (part.fieldname !== 'file' || upload) {
          part.file.resume();
          throw new DomainError(ErrorCode.ValidationFailed, 'Send exactly one file, in the `file` part');
        }
        const seen = { head: Buffer.alloc(0), size: 0 };
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            if (seen.head.length < HEAD_BYTES)
              seen.head = Buffer.concat([seen.head, chunk]).subarray(0, HEAD_BYTES);
            seen.size += chunk.length;
            callback(null, chunk);
          },
        });
        const object = await this.intake.putFile(
          Readable.toWeb(part.file.pipe(counter)) as ReadableStream<Uint8Array>,
        );
        upload = { object, filename: part.filename, size: seen.size, head: seen.head };
        if (part.file.truncated) throw tooLarge(maxBytes);
      }
      if (!upload) throw new DomainError(ErrorCode.ValidationFailed, 'No file: send it in the `file` part');
      if (upload.size === 0) throw new DomainError(ErrorCode.ValidationFailed, 'The file is empty');
      const kind = kindOf(upload.head);
      const result = await this.intake.accept(
        caller,
        kind,
        { object: upload.object, size: upload.size },
        upload.filename || undefined,
      );
      accepted = true;
      return result;
    } catch (error) {
      throw asDomainError(error, maxBytes);
    } finally {
      if (upload && !accepted) await this.intake.discard(upload.object);
    }
  }
}

function tooLarge(maxBytes: number): DomainError {
  return new DomainError(ErrorCode.PayloadTooLarge, 'The file is larger than allowed', { maxBytes });
}

/** The multipart parser's own errors (a file over the limit, a malformed form) as typed errors. */
function asDomainError(error: unknown, maxBytes: number): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes);
  if (typeof code === 'string' && code.startsWith('FST_')) {
    return new DomainError(ErrorCode.ValidationFailed, 'The form could not be read as multipart/form-data');
  }
  return error;
}
