import {
  completion,
  httpStatusFor,
  openAiErrorFrom,
  type ErrorBody,
  type FinishReason,
  type TokenUsage,
} from '@conduit/contracts';

/** Batch files are JSON Lines. */
export const JSONL_CONTENT_TYPE = 'application/jsonl';

/** The `response` of an output or error line: OpenAI's status code, request id and body. */
export interface LineResponse {
  status_code: number;
  request_id: string;
  body: Record<string, unknown>;
}

/** A line's answer as OpenAI writes it in a batch's output file. */
export function completionResponse(
  requestId: string,
  created: number,
  model: string,
  content: string,
  finishReason: FinishReason,
  usage: TokenUsage,
): LineResponse {
  return {
    status_code: 200,
    request_id: requestId,
    body: completion(`chatcmpl-${requestId}`, created, model, content, finishReason, usage),
  };
}

/** A line the endpoint refused or failed, as OpenAI writes it in a batch's error file. */
export function errorResponse(requestId: string, error: ErrorBody): LineResponse {
  const status = httpStatusFor(error.code);
  return { status_code: status, request_id: requestId, body: openAiErrorFrom(error, status) };
}

/** One line of an output or error file. */
export function outputLine(id: string, customId: string | null, response: unknown, error: unknown): string {
  return JSON.stringify({ id, custom_id: customId, response: response ?? null, error: error ?? null });
}
