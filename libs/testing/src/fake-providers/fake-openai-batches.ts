import { randomUUID } from 'node:crypto';
import {
  batchAnswer,
  jsonAnswer,
  nowSeconds,
  fakeBatchServer,
  startFakeBatchHttp,
  type BatchHold,
  type FakeBatchHttpAnswer,
  type FakeBatchHttpRequest,
  type FakeBatchServer,
} from './fake-batch-http';

/**
 * A fake of OpenAI's Files and Batch APIs as the official SDK uses them: `POST /v1/files` (multipart,
 * purpose `batch`), `GET /v1/files/:id/content`, `POST /v1/batches`, `GET /v1/batches/:id` and
 * `POST /v1/batches/:id/cancel`. A batch moves on one step per retrieve (validating, in_progress, then
 * completed with its output and error files) unless it is held; each line is answered with its last user
 * message echoed, a line naming an unavailable model (`unavailable` unless told) with a 404 in the error file.
 * Its `url` is the `baseURL` for the OpenAI SDK (ends in `/v1`).
 */
export type FakeOpenAIBatchesServer = FakeBatchServer<FakeOpenAIBatch>;

export interface FakeOpenAIBatch {
  id: string;
  status: string;
  lines: { custom_id: string; body: { model: string; messages: { role: string; content: unknown }[] } }[];
  cancelRequested: boolean;
}

interface StoredFile {
  id: string;
  purpose: string;
  filename: string;
  content: Buffer;
  created_at: number;
}

interface BatchState extends FakeOpenAIBatch {
  inputFileId: string;
  metadata: Record<string, string> | null;
  created_at: number;
  output_file_id: string | null;
  error_file_id: string | null;
  completed: number;
  failed: number;
}

const error = (status: number, message: string, type = 'invalid_request_error', code: string | null = null) =>
  jsonAnswer(status, { error: { message, type, param: null, code } });

export async function startFakeOpenAIBatches(options: {
  apiKey: string;
  /** Models the account cannot use: their lines are answered 404 `model_not_found` in the error file. */
  unavailableModels?: readonly string[];
}): Promise<FakeOpenAIBatchesServer> {
  const unavailable = new Set(options.unavailableModels ?? ['unavailable']);
  const files = new Map<string, StoredFile>();
  const batches: BatchState[] = [];
  const hold: BatchHold = { held: false };

  const fileObject = (file: StoredFile) => ({
    id: file.id,
    object: 'file',
    bytes: file.content.byteLength,
    created_at: file.created_at,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: null,
    status_details: null,
  });

  const batchObject = (batch: BatchState) => ({
    id: batch.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: null,
    input_file_id: batch.inputFileId,
    completion_window: '24h',
    status: batch.status,
    output_file_id: batch.output_file_id,
    error_file_id: batch.error_file_id,
    created_at: batch.created_at,
    in_progress_at: batch.status === 'validating' ? null : batch.created_at,
    expires_at: batch.created_at + 86_400,
    finalizing_at: null,
    completed_at: batch.status === 'completed' ? nowSeconds() : null,
    failed_at: null,
    expired_at: null,
    cancelling_at: batch.cancelRequested ? nowSeconds() : null,
    cancelled_at: batch.status === 'cancelled' ? nowSeconds() : null,
    request_counts: { total: batch.lines.length, completed: batch.completed, failed: batch.failed },
    metadata: batch.metadata,
  });

  const storeFile = (purpose: string, filename: string, content: Buffer): StoredFile => {
    const file = {
      id: `file-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      purpose,
      filename,
      content,
      created_at: nowSeconds(),
    };
    files.set(file.id, file);
    return file;
  };

  const complete = (batch: BatchState) => {
    const output: string[] = [];
    const errors: string[] = [];
    for (const [index, line] of batch.lines.entries()) {
      const requestId = `req_${batch.id}_${index}`;
      if (unavailable.has(line.body.model)) {
        errors.push(
          JSON.stringify({
            id: `batch_req_${index}`,
            custom_id: line.custom_id,
            response: {
              status_code: 404,
              request_id: requestId,
              body: {
                error: {
                  message: `The model \`${line.body.model}\` does not exist or you do not have access to it.`,
                  type: 'invalid_request_error',
                  param: null,
                  code: 'model_not_found',
                },
              },
            },
            error: null,
          }),
        );
        continue;
      }
      const answer = batchAnswer(line.body.messages);
      output.push(
        JSON.stringify({
          id: `batch_req_${index}`,
          custom_id: line.custom_id,
          response: {
            status_code: 200,
            request_id: requestId,
            body: {
              id: `chatcmpl-${batch.id}-${index}`,
              object: 'chat.completion',
              created: nowSeconds(),
              model: line.body.model,
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: answer.text, refusal: null },
                  logprobs: null,
                  finish_reason: 'stop',
                },
              ],
              usage: {
                prompt_tokens: answer.inputTokens,
                completion_tokens: answer.outputTokens,
                total_tokens: answer.inputTokens + answer.outputTokens,
                prompt_tokens_details: { cached_tokens: 0 },
              },
            },
          },
          error: null,
        }),
      );
    }
    batch.completed = output.length;
    batch.failed = errors.length;
    if (output.length > 0)
      batch.output_file_id = storeFile(
        'batch_output',
        'output.jsonl',
        Buffer.from(output.join('\n') + '\n'),
      ).id;
    if (errors.length > 0)
      batch.error_file_id = storeFile(
        'batch_output',
        'errors.jsonl',
        Buffer.from(errors.join('\n') + '\n'),
      ).id;
    batch.status = 'completed';
  };

  const advance = (batch: BatchState) => {
    if (batch.status === 'validating') batch.status = 'in_progress';
    else if (batch.status === 'cancelling') batch.status = 'cancelled';
    else if (batch.status === 'in_progress' && !hold.held) complete(batch);
  };

  const uploadFile = async (request: FakeBatchHttpRequest): Promise<FakeBatchHttpAnswer> => {
    const form = await new Request('http://fake/v1/files', {
      method: 'POST',
      headers: { 'content-type': String(request.headers['content-type'] ?? '') },
      body: request.body,
    })
      .formData()
      .catch(() => null);
    const file = form?.get('file');
    const purpose = form?.get('purpose');
    if (!form || !(file instanceof Blob)) return error(400, "Missing required parameter: 'file'.");
    if (typeof purpose !== 'string') return error(400, "Missing required parameter: 'purpose'.");
    const name = file instanceof File ? file.name : 'upload';
    return jsonAnswer(200, fileObject(storeFile(purpose, name, Buffer.from(await file.arrayBuffer()))));
  };

  const createBatch = (request: FakeBatchHttpRequest): FakeBatchHttpAnswer => {
    let body: {
      input_file_id?: string;
      endpoint?: string;
      completion_window?: string;
      metadata?: Record<string, string>;
    };
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return error(400, 'We could not parse the JSON body of your request.');
    }
    const file = body.input_file_id ? files.get(body.input_file_id) : undefined;
    if (!file) return error(404, `No such File object: ${body.input_file_id}`);
    if (file.purpose !== 'batch') return error(400, 'The input file must have purpose batch.');
    if (body.endpoint !== '/v1/chat/completions') return error(400, 'Unsupported endpoint.');
    if (body.completion_window !== '24h') return error(400, 'Unsupported completion window.');
    const lines = file.content
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as FakeOpenAIBatch['lines'][number]);
    const batch: BatchState = {
      id: `batch_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      status: 'validating',
      lines,
      cancelRequested: false,
      inputFileId: file.id,
      metadata: body.metadata ?? null,
      created_at: nowSeconds(),
      output_file_id: null,
      error_file_id: null,
      completed: 0,
      failed: 0,
    };
    batches.push(batch);
    return jsonAnswer(200, batchObject(batch));
  };

  const findBatch = (id: string | undefined) => batches.find((b) => b.id === id);

  const http = await startFakeBatchHttp({
    unauthorized: (headers) =>
      headers.authorization === `Bearer ${options.apiKey}`
        ? undefined
        : error(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
    notFound: (method, path) => error(404, `Invalid URL (${method} ${path})`),
    routes: [
      { method: 'POST', pattern: /^\/v1\/files$/, handle: uploadFile },
      {
        method: 'GET',
        pattern: /^\/v1\/files\/([^/]+)\/content$/,
        handle: ({ params }) => {
          const file = files.get(params[0] ?? '');
          if (!file) return error(404, `No such File object: ${params[0]}`);
          return { status: 200, body: file.content, contentType: 'application/octet-stream' };
        },
      },
      { method: 'POST', pattern: /^\/v1\/batches$/, handle: createBatch },
      {
        method: 'GET',
        pattern: /^\/v1\/batches\/([^/]+)$/,
        handle: ({ params }) => {
          const batch = findBatch(params[0]);
          if (!batch) return error(404, `No such Batch object: ${params[0]}`);
          advance(batch);
          return jsonAnswer(200, batchObject(batch));
        },
      },
      {
        method: 'POST',
        pattern: /^\/v1\/batches\/([^/]+)\/cancel$/,
        handle: ({ params }) => {
          const batch = findBatch(params[0]);
          if (!batch) return error(404, `No such Batch object: ${params[0]}`);
          if (!['validating', 'in_progress'].includes(batch.status))
            return error(400, `Batch ${batch.id} cannot be cancelled: it is ${batch.status}.`);
          batch.cancelRequested = true;
          batch.status = 'cancelling';
          return jsonAnswer(200, batchObject(batch));
        },
      },
    ],
  });
  return fakeBatchServer(http, `${http.origin}/v1`, batches, hold);
}
