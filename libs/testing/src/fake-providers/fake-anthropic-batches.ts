import { randomUUID } from 'node:crypto';
import {
  batchAnswer,
  jsonAnswer,
  fakeBatchServer,
  startFakeBatchHttp,
  textOf,
  type BatchHold,
  type FakeBatchHttpAnswer,
  type FakeBatchHttpRequest,
  type FakeBatchServer,
} from './fake-batch-http';

/**
 * A fake of Anthropic's Message Batches API as the official SDK uses it: `POST /v1/messages/batches`,
 * `GET /v1/messages/batches/:id`, `POST /v1/messages/batches/:id/cancel` and the JSONL results at the
 * batch's `results_url`. A batch ends on the first retrieve unless it is held; each request is answered
 * with its last user message echoed, one naming an unavailable model (`unavailable` unless told) with an
 * `errored` result.
 * Its `url` is the `baseURL` for the Anthropic SDK (no `/v1`).
 */
export type FakeAnthropicBatchesServer = FakeBatchServer<FakeAnthropicBatch>;

export interface FakeAnthropicBatch {
  id: string;
  processingStatus: 'in_progress' | 'canceling' | 'ended';
  requests: { custom_id: string; params: AnthropicBatchParams }[];
  cancelRequested: boolean;
}

interface AnthropicBatchParams {
  model: string;
  max_tokens: number;
  messages: { role: string; content: unknown }[];
  system?: unknown;
}

const error = (status: number, type: string, message: string) =>
  jsonAnswer(status, { type: 'error', error: { type, message } });

export async function startFakeAnthropicBatches(options: {
  apiKey: string;
  /** Models the account cannot use: their requests end `errored` (not_found_error). */
  unavailableModels?: readonly string[];
}): Promise<FakeAnthropicBatchesServer> {
  const unavailable = new Set(options.unavailableModels ?? ['unavailable']);
  const batches: FakeAnthropicBatch[] = [];
  const hold: BatchHold = { held: false };
  let origin = '';
  const created = new Map<string, string>();

  const counts = (batch: FakeAnthropicBatch) => {
    const ended = batch.processingStatus === 'ended';
    const results = ended ? batch.requests.map((r) => resultOf(batch, r).result.type) : [];
    return {
      processing: ended ? 0 : batch.requests.length,
      succeeded: results.filter((t) => t === 'succeeded').length,
      errored: results.filter((t) => t === 'errored').length,
      canceled: results.filter((t) => t === 'canceled').length,
      expired: 0,
    };
  };

  const batchObject = (batch: FakeAnthropicBatch) => ({
    id: batch.id,
    type: 'message_batch',
    processing_status: batch.processingStatus,
    request_counts: counts(batch),
    ended_at: batch.processingStatus === 'ended' ? new Date().toISOString() : null,
    created_at: created.get(batch.id),
    expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    archived_at: null,
    cancel_initiated_at: batch.cancelRequested ? new Date().toISOString() : null,
    results_url:
      batch.processingStatus === 'ended' ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
  });

  const resultOf = (batch: FakeAnthropicBatch, request: FakeAnthropicBatch['requests'][number]) => {
    if (batch.cancelRequested) return { custom_id: request.custom_id, result: { type: 'canceled' } };
    if (unavailable.has(request.params.model))
      return {
        custom_id: request.custom_id,
        result: {
          type: 'errored',
          error: {
            type: 'error',
            error: { type: 'not_found_error', message: `model: ${request.params.model}` },
          },
        },
      };
    const answer = batchAnswer(request.params.messages, textOf(request.params.system));
    return {
      custom_id: request.custom_id,
      result: {
        type: 'succeeded',
        message: {
          id: `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
          type: 'message',
          role: 'assistant',
          model: request.params.model,
          content: [{ type: 'text', text: answer.text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: {
            input_tokens: answer.inputTokens,
            output_tokens: answer.outputTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        },
      },
    };
  };

  const create = (request: FakeBatchHttpRequest): FakeBatchHttpAnswer => {
    let body: { requests?: FakeAnthropicBatch['requests'] };
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return error(400, 'invalid_request_error', 'The request body is not valid JSON.');
    }
    if (!Array.isArray(body.requests) || body.requests.length === 0)
      return error(400, 'invalid_request_error', 'requests: Field required');
    for (const [index, r] of body.requests.entries()) {
      if (!/^[a-zA-Z0-9_-]{1,64}$/.test(r.custom_id ?? ''))
        return error(
          400,
          'invalid_request_error',
          `requests.${index}.custom_id: String should match pattern`,
        );
      if (typeof r.params?.max_tokens !== 'number')
        return error(400, 'invalid_request_error', `requests.${index}.params.max_tokens: Field required`);
    }
    const batch: FakeAnthropicBatch = {
      id: `msgbatch_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      processingStatus: 'in_progress',
      requests: body.requests,
      cancelRequested: false,
    };
    created.set(batch.id, new Date().toISOString());
    batches.push(batch);
    return jsonAnswer(200, batchObject(batch));
  };

  const find = (id: string | undefined) => batches.find((b) => b.id === id);
  const missing = (id: string | undefined) => error(404, 'not_found_error', `No batch with id ${id}`);

  const http = await startFakeBatchHttp({
    // The key comes as `x-api-key` or, from newer SDKs, as a bearer token.
    unauthorized: (headers) =>
      (headers['x-api-key'] === options.apiKey || headers.authorization === `Bearer ${options.apiKey}`) &&
      typeof headers['anthropic-version'] === 'string'
        ? undefined
        : error(401, 'authentication_error', 'invalid x-api-key'),
    notFound: (method, path) => error(404, 'not_found_error', `Not found: ${method} ${path}`),
    routes: [
      { method: 'POST', pattern: /^\/v1\/messages\/batches$/, handle: create },
      {
        method: 'GET',
        pattern: /^\/v1\/messages\/batches\/([^/]+)$/,
        handle: ({ params }) => {
          const batch = find(params[0]);
          if (!batch) return missing(params[0]);
          if (
            batch.processingStatus === 'canceling' ||
            (batch.processingStatus === 'in_progress' && !hold.held)
          )
            batch.processingStatus = 'ended';
          return jsonAnswer(200, batchObject(batch));
        },
      },
      {
        method: 'POST',
        pattern: /^\/v1\/messages\/batches\/([^/]+)\/cancel$/,
        handle: ({ params }) => {
          const batch = find(params[0]);
          if (!batch) return missing(params[0]);
          if (batch.processingStatus === 'in_progress') {
            batch.cancelRequested = true;
            batch.processingStatus = 'canceling';
          }
          return jsonAnswer(200, batchObject(batch));
        },
      },
      {
        method: 'GET',
        pattern: /^\/v1\/messages\/batches\/([^/]+)\/results$/,
        handle: ({ params }) => {
          const batch = find(params[0]);
          if (!batch) return missing(params[0]);
          if (batch.processingStatus !== 'ended')
            return error(400, 'invalid_request_error', 'The batch has not ended yet.');
          const lines = batch.requests.map((r) => JSON.stringify(resultOf(batch, r)));
          return { status: 200, body: lines.join('\n') + '\n', contentType: 'application/binary' };
        },
      },
    ],
  });
  origin = http.origin;
  return fakeBatchServer(http, http.origin, batches, hold);
}
