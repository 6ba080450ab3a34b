import type { IncomingHttpHeaders } from 'node:http';
import { countWords, type FakeGenerationPlan } from './fake-provider.behavior';
import {
  startFakeProviderServer,
  type FakeProviderOptions,
  type FakeProviderServer,
  type GenerationIdentity,
  type ParsedGeneration,
  type ProviderErrorOverride,
  type ProviderErrorSpec,
  type ProviderProtocol,
  type SseEncoder,
} from './fake-provider.server';

/** A fake of the Anthropic Messages API (`POST /v1/messages`, `GET /v1/models`). */

export interface AnthropicContentBlockParam {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface AnthropicMessageParam {
  role: string;
  content: string | AnthropicContentBlockParam[];
  [key: string]: unknown;
}

/** The fields the fake reads; everything else the client sent is kept as-is. */
export interface AnthropicMessagesRequestBody {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicContentBlockParam[];
  stream?: boolean;
  [key: string]: unknown;
}

export type FakeAnthropicOptions = FakeProviderOptions<AnthropicMessagesRequestBody>;
export type FakeAnthropicServer = FakeProviderServer<AnthropicMessagesRequestBody>;

/**
 * Starts the fake on 127.0.0.1 (port 0 by default). `url` has no `/v1`: the Anthropic SDK's `baseURL` is the
 * origin and it adds `/v1/messages` itself.
 */
export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropicServer> {
  return startFakeProviderServer(anthropicProtocol, options);
}

const MODEL_CREATED_AT = '2025-01-01T00:00:00Z';

const errorTypesByStatus: Readonly<Record<number, readonly [string, string]>> = {
  400: ['invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'The requested resource could not be found.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of requests has exceeded your per-minute rate limit.'],
  500: ['api_error', 'Internal server error'],
  504: ['timeout_error', 'Request timed out'],
  529: ['overloaded_error', 'Overloaded'],
};

const statusByErrorType: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(errorTypesByStatus).map(([status, [type]]) => [type, Number(status)]),
);

function errorFor(status: number, override: ProviderErrorOverride = {}): ProviderErrorSpec {
  const [type, message] =
    errorTypesByStatus[status] ??
    (status >= 500 ? ['api_error', 'Internal server error'] : ['invalid_request_error', 'Invalid request']);
  return { status, type: override.type ?? type, message: override.message ?? message };
}

function errorObject(error: ProviderErrorSpec, requestId: string): Record<string, unknown> {
  return { type: 'error', error: { type: error.type, message: error.message }, request_id: requestId };
}

function invalid(message: string): ProviderErrorSpec {
  return { status: 400, type: 'invalid_request_error', message };
}

function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const apiKeyHeader = headers['x-api-key'];
  if (typeof apiKeyHeader === 'string' && apiKeyHeader.length > 0) return apiKeyHeader;
  // The SDK sends `Authorization: Bearer <apiKey>` in recent versions; the API accepts both.
  const bearer =
    headers.authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(headers.authorization.trim());
  return bearer?.[1];
}

function checkHeaders(
  headers: IncomingHttpHeaders,
  apiKey: string | undefined,
): ProviderErrorSpec | undefined {
  if (apiKey !== undefined) {
    const key = presentedKey(headers);
    if (key === undefined) return errorFor(401, { message: 'x-api-key header is required' });
    if (key !== apiKey) return errorFor(401);
  }
  const version = headers['anthropic-version'];
  if (typeof version !== 'string' || version.length === 0)
    return invalid('anthropic-version: header is required');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version))
    return invalid(`anthropic-version: "${version}" is not a valid version`);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contentWords(content: unknown): number {
  if (typeof content === 'string') return countWords(content);
  if (!Array.isArray(content)) return 0;
  let words = 0;
  for (const block of content) {
    if (isRecord(block) && typeof block.text === 'string') words += countWords(block.text);
  }
  return words;
}

function parseGeneration(json: unknown): ParsedGeneration<AnthropicMessagesRequestBody> | ProviderErrorSpec {
  if (!isRecord(json)) return invalid('Input should be a valid dictionary or object to extract fields from');
  if (json.model === undefined) return invalid('model: Field required');
  if (typeof json.model !== 'string' || json.model.length === 0)
    return invalid('model: Input should be a valid string');
  if (json.max_tokens === undefined) return invalid('max_tokens: Field required');
  if (typeof json.max_tokens !== 'number' || !Number.isInteger(json.max_tokens) || json.max_tokens < 1) {
    return invalid('max_tokens: Input should be greater than or equal to 1');
  }
  if (json.messages === undefined) return invalid('messages: Field required');
  if (!Array.isArray(json.messages)) return invalid('messages: Input should be a valid list');
  if (json.messages.length === 0) return invalid('messages: at least one message is required');
  const body = json as AnthropicMessagesRequestBody;
  let inputTokens = contentWords(body.system);
  for (const message of body.messages) inputTokens += isRecord(message) ? contentWords(message.content) : 0;
  return {
    body,
    model: body.model,
    stream: body.stream === true,
    includeUsage: true,
    inputTokens,
    maxOutputTokens: body.max_tokens,
  };
}

function stopReason(plan: FakeGenerationPlan): 'end_turn' | 'max_tokens' | 'tool_use' {
  if (plan.toolCalls.length > 0) return 'tool_use';
  return plan.truncated ? 'max_tokens' : 'end_turn';
}

/** The calls as `tool_use` blocks, ids scripted or Anthropic-style and unique to the generation. */
function toolUseBlocksOf(plan: FakeGenerationPlan, identity: GenerationIdentity) {
  return plan.toolCalls.map((call, index) => ({
    type: 'tool_use' as const,
    id: call.id ?? `toolu_${identity.id.slice(-12)}${index}`,
    name: call.name,
    // Real tool_use input is always an object; scripted invalid JSON travels as the partial JSON text only.
    arguments: call.arguments,
  }));
}

function event(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}

function streamEncoder(
  generation: ParsedGeneration<AnthropicMessagesRequestBody>,
  identity: GenerationIdentity,
  plan: FakeGenerationPlan,
): SseEncoder {
  const { inputTokens, outputTokens } = plan.usage;
  return {
    head: () =>
      event(
        'message_start',
        JSON.stringify({
          type: 'message_start',
          message: {
            id: identity.id,
            type: 'message',
            role: 'assistant',
            model: generation.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            stop_details: null,
            usage: {
              input_tokens: inputTokens,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
              output_tokens: 1,
              service_tier: 'standard',
            },
          },
        }),
      ) +
      event(
        'content_block_start',
        '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      ) +
      event('ping', '{"type": "ping"}'),
    token: (text) =>
      event(
        'content_block_delta',
        `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}`,
      ),
    tail: () =>
      event('content_block_stop', '{"type":"content_block_stop","index":0}') +
      // As Anthropic streams them: per call a tool_use block, its input as input_json_delta fragments.
      toolUseBlocksOf(plan, identity)
        .map((block, i) => {
          const index = i + 1;
          const half = Math.ceil(block.arguments.length / 2);
          const fragments = [block.arguments.slice(0, half), block.arguments.slice(half)].filter(
            (f) => f !== '',
          );
          return (
            event(
              'content_block_start',
              JSON.stringify({
                type: 'content_block_start',
                index,
                content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
              }),
            ) +
            fragments
              .map((partial_json) =>
                event(
                  'content_block_delta',
                  JSON.stringify({
                    type: 'content_block_delta',
                    index,
                    delta: { type: 'input_json_delta', partial_json },
                  }),
                ),
              )
              .join('') +
            event('content_block_stop', JSON.stringify({ type: 'content_block_stop', index }))
          );
        })
        .join('') +
      event(
        'message_delta',
        JSON.stringify({
          type: 'message_delta',
          delta: { stop_reason: stopReason(plan), stop_sequence: null, stop_details: null },
          usage: {
            input_tokens: inputTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: outputTokens,
          },
        }),
      ) +
      event('message_stop', '{"type":"message_stop"}'),
    malformed: () =>
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\n\n',
    error: (error) => event('error', JSON.stringify(errorObject(error, identity.requestId))),
  };
}

function completionBody(
  generation: ParsedGeneration<AnthropicMessagesRequestBody>,
  identity: GenerationIdentity,
  plan: FakeGenerationPlan,
): unknown {
  return {
    id: identity.id,
    type: 'message',
    role: 'assistant',
    model: generation.model,
    content: [
      { type: 'text', text: plan.tokens.join('') },
      ...toolUseBlocksOf(plan, identity).map(({ arguments: json, ...block }) => ({
        ...block,
        input: parseObject(json),
      })),
    ],
    stop_reason: stopReason(plan),
    stop_sequence: null,
    stop_details: null,
    usage: {
      input_tokens: plan.usage.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: plan.usage.outputTokens,
      service_tier: 'standard',
    },
  };
}

export const anthropicProtocol: ProviderProtocol<AnthropicMessagesRequestBody> = {
  sdkBasePath: '',
  generationPath: '/v1/messages',
  modelsPath: '/v1/models',
  defaultAnswer: 'This is a scripted reply from the fake Anthropic server.',
  defaultModels: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
  defaultStreamErrorType: 'overloaded_error',
  newRequestId: (sequence) => `req_01fake${sequence.toString(36).padStart(18, '0')}`,
  newGenerationId: (sequence) => `msg_01fake${sequence.toString(36).padStart(18, '0')}`,
  checkHeaders,
  parseGeneration,
  errorFor,
  statusForErrorType: (type) => statusByErrorType[type] ?? 500,
  invalidJson: () => invalid('There was an error parsing the body of your request as JSON.'),
  notFound: () => errorFor(404, { message: 'Not Found' }),
  renderError: (error, requestId) => JSON.stringify(errorObject(error, requestId)),
  responseHeaders: (requestId) => ({ 'request-id': requestId }),
  modelList: (models) => ({
    data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: MODEL_CREATED_AT })),
    has_more: false,
    first_id: models[0] ?? null,
    last_id: models[models.length - 1] ?? null,
  }),
  streamEncoder,
  completionBody,
};

function parseObject(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return {};
  }
}
