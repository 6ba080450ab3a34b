import type { IncomingHttpHeaders } from 'node:http';
import { countWords, type FakeGenerationPlan } from './fake-provider.behavior';
import { openAIEmbeddingsEndpoint } from './fake-openai-embeddings';
import { openAIImageEditsEndpoint, openAIImagesEndpoint } from './fake-openai-images';
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

/**
 * A fake of the OpenAI API: Chat Completions (`POST /v1/chat/completions`), `GET /v1/models` and
 * Embeddings (`POST /v1/embeddings`, scripted through `server.endpoint('/v1/embeddings')`) and images
 * (`POST /v1/images/generations`, scripted through `server.endpoint('/v1/images/generations')`).
 */

export interface OpenAIChatContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface OpenAIChatRequestMessage {
  role: string;
  content?: string | OpenAIChatContentPart[] | null;
  [key: string]: unknown;
}

/** The fields the fake reads; everything else the client sent is kept as-is. */
export interface OpenAIChatRequestBody {
  model: string;
  messages: OpenAIChatRequestMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  [key: string]: unknown;
}

export type FakeOpenAIOptions = FakeProviderOptions<OpenAIChatRequestBody>;
export type FakeOpenAIServer = FakeProviderServer<OpenAIChatRequestBody>;

/** Starts the fake on 127.0.0.1 (port 0 by default); `url` ends in `/v1`, as the OpenAI SDK's `baseURL` expects. */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
  return startFakeProviderServer(openAIProtocol, options);
}

const SYSTEM_FINGERPRINT = 'fp_fake0penai';
const MODEL_CREATED = 1_700_000_000;

const statusByErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  requests: 429,
  tokens: 429,
  insufficient_quota: 429,
  server_error: 500,
};

function defaultError(status: number): Omit<ProviderErrorSpec, 'status'> {
  switch (status) {
    case 400:
      return {
        type: 'invalid_request_error',
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
        param: 'messages',
        code: 'context_length_exceeded',
      };
    case 401:
      return {
        type: 'invalid_request_error',
        message:
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
        param: null,
        code: 'invalid_api_key',
      };
    case 403:
      return {
        type: 'invalid_request_error',
        message: 'You are not allowed to sample from this model',
        param: null,
        code: null,
      };
    case 404:
      return {
        type: 'invalid_request_error',
        message: 'The model does not exist or you do not have access to it.',
        param: null,
        code: 'model_not_found',
      };
    case 413:
      return { type: 'invalid_request_error', message: 'Request body too large.', param: null, code: null };
    case 429:
      return {
        type: 'requests',
        message: 'Rate limit reached for requests per min (RPM). Please try again later.',
        param: null,
        code: 'rate_limit_exceeded',
      };
    case 503:
      return {
        type: 'server_error',
        message: 'The engine is currently overloaded, please try again later.',
        param: null,
        code: null,
      };
    default:
      return status >= 500
        ? {
            type: 'server_error',
            message: 'The server had an error while processing your request. Sorry about that!',
            param: null,
            code: null,
          }
        : { type: 'invalid_request_error', message: 'Invalid request.', param: null, code: null };
  }
}

function errorFor(status: number, override: ProviderErrorOverride = {}): ProviderErrorSpec {
  const base = defaultError(status);
  return {
    status,
    type: override.type ?? base.type,
    message: override.message ?? base.message,
    param: override.param !== undefined ? override.param : (base.param ?? null),
    code: override.code !== undefined ? override.code : (base.code ?? null),
  };
}

function errorJson(error: ProviderErrorSpec): string {
  return JSON.stringify({
    error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null },
  });
}

function invalid(message: string, param: string | null, code: string | null): ProviderErrorSpec {
  return { status: 400, type: 'invalid_request_error', message, param, code };
}

function maskKey(key: string): string {
  return key.length <= 8
    ? '*'.repeat(key.length)
    : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

function checkHeaders(
  headers: IncomingHttpHeaders,
  apiKey: string | undefined,
): ProviderErrorSpec | undefined {
  if (apiKey === undefined) return undefined;
  const authorization = headers.authorization;
  const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization.trim());
  if (!match) {
    return {
      status: 401,
      type: 'invalid_request_error',
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      param: null,
      code: null,
    };
  }
  const presented = match[1] ?? '';
  if (presented === apiKey) return undefined;
  return errorFor(401, {
    message: `Incorrect API key provided: ${maskKey(presented)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageWords(message: unknown): number {
  if (!isRecord(message)) return 0;
  const content = message.content;
  if (typeof content === 'string') return countWords(content);
  if (!Array.isArray(content)) return 0;
  let words = 0;
  for (const part of content) {
    if (isRecord(part) && typeof part.text === 'string') words += countWords(part.text);
  }
  return words;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function parseGeneration(json: unknown): ParsedGeneration<OpenAIChatRequestBody> | ProviderErrorSpec {
  if (!isRecord(json)) return invalid('The request body must be a JSON object.', null, null);
  if (typeof json.model !== 'string' || json.model.length === 0) {
    return invalid('you must provide a model parameter', null, null);
  }
  if (json.messages === undefined) {
    return invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  }
  if (!Array.isArray(json.messages) || json.messages.length === 0) {
    return invalid("Invalid 'messages': expected a non-empty array.", 'messages', 'invalid_value');
  }
  const maxTokens = json.max_completion_tokens ?? json.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null && positiveInteger(maxTokens) === undefined) {
    return invalid("Invalid 'max_tokens': expected a non-negative integer.", 'max_tokens', 'invalid_value');
  }
  const body = json as OpenAIChatRequestBody;
  let inputTokens = 0;
  for (const message of body.messages) inputTokens += messageWords(message);
  return {
    body,
    model: body.model,
    stream: body.stream === true,
    includeUsage: body.stream === true && body.stream_options?.include_usage === true,
    inputTokens,
    maxOutputTokens: positiveInteger(maxTokens),
  };
}

function usageJson(plan: FakeGenerationPlan): Record<string, unknown> {
  const { inputTokens, outputTokens } = plan.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishReason(plan: FakeGenerationPlan): 'stop' | 'length' | 'tool_calls' {
  if (plan.toolCalls.length > 0) return 'tool_calls';
  return plan.truncated ? 'length' : 'stop';
}

/** The calls' ids: the scripted ones, else OpenAI-style ones unique to the generation. */
function toolCallsOf(plan: FakeGenerationPlan, identity: GenerationIdentity) {
  return plan.toolCalls.map((call, index) => ({
    id: call.id ?? `call_${identity.id.slice(-12)}${index}`,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  }));
}

function streamEncoder(
  generation: ParsedGeneration<OpenAIChatRequestBody>,
  identity: GenerationIdentity,
  plan: FakeGenerationPlan,
): SseEncoder {
  // Every chunk shares this envelope; token chunks are built by concatenation to keep the fake cheap.
  const envelope =
    `{"id":${JSON.stringify(identity.id)},"object":"chat.completion.chunk","created":${identity.created},` +
    `"model":${JSON.stringify(generation.model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}",`;
  const usageNull = generation.includeUsage ? ',"usage":null' : '';
  const choiceChunk = (delta: string, finish: string | null): string =>
    `data: ${envelope}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${
      finish === null ? 'null' : JSON.stringify(finish)
    }}]${usageNull}}\n\n`;
  return {
    head: () => choiceChunk('{"role":"assistant","content":"","refusal":null}', null),
    token: (text) => choiceChunk(`{"content":${JSON.stringify(text)}}`, null),
    tail: () => {
      // As OpenAI streams them: per call, first its id and name with empty arguments, then the
      // arguments in fragments, each chunk naming the call by its index.
      let text = '';
      toolCallsOf(plan, identity).forEach((call, index) => {
        text += choiceChunk(
          JSON.stringify({
            tool_calls: [
              { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
            ],
          }),
          null,
        );
        const half = Math.ceil(call.function.arguments.length / 2);
        for (const fragment of [
          call.function.arguments.slice(0, half),
          call.function.arguments.slice(half),
        ]) {
          if (fragment === '') continue;
          text += choiceChunk(
            JSON.stringify({ tool_calls: [{ index, function: { arguments: fragment } }] }),
            null,
          );
        }
      });
      text += choiceChunk('{}', finishReason(plan));
      if (generation.includeUsage)
        text += `data: ${envelope}"choices":[],"usage":${JSON.stringify(usageJson(plan))}}\n\n`;
      return text + 'data: [DONE]\n\n';
    },
    malformed: () => `data: ${envelope}"choices":[{"index":0,"delta":{"content":"\n\n`,
    error: (error) => `data: ${errorJson(error)}\n\n`,
  };
}

function completionBody(
  generation: ParsedGeneration<OpenAIChatRequestBody>,
  identity: GenerationIdentity,
  plan: FakeGenerationPlan,
): unknown {
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: generation.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: plan.tokens.length > 0 || plan.toolCalls.length === 0 ? plan.tokens.join('') : null,
          refusal: null,
          annotations: [],
          ...(plan.toolCalls.length > 0 ? { tool_calls: toolCallsOf(plan, identity) } : {}),
        },
        logprobs: null,
        finish_reason: finishReason(plan),
      },
    ],
    usage: usageJson(plan),
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

export const openAIProtocol: ProviderProtocol<OpenAIChatRequestBody> = {
  sdkBasePath: '/v1',
  generationPath: '/v1/chat/completions',
  modelsPath: '/v1/models',
  defaultAnswer: 'This is a scripted reply from the fake OpenAI server.',
  defaultModels: ['gpt-4o-mini', 'gpt-4o'],
  defaultStreamErrorType: 'server_error',
  newRequestId: (sequence) => `req_fake${sequence.toString(16).padStart(24, '0')}`,
  newGenerationId: (sequence) => `chatcmpl-fake${sequence.toString(36).padStart(25, '0')}`,
  checkHeaders,
  parseGeneration,
  errorFor,
  statusForErrorType: (type) => statusByErrorType[type] ?? 500,
  invalidJson: () =>
    invalid(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      null,
      null,
    ),
  notFound: (method, path) => ({
    status: 404,
    type: 'invalid_request_error',
    message: `Invalid URL (${method} ${path})`,
    param: null,
    code: null,
  }),
  renderError: (error) => errorJson(error),
  responseHeaders: (requestId) => ({
    'x-request-id': requestId,
    'openai-version': '2020-10-01',
    'openai-processing-ms': '0',
  }),
  modelList: (models) => ({
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'system' })),
  }),
  streamEncoder,
  completionBody,
  endpoints: [openAIEmbeddingsEndpoint, openAIImagesEndpoint, openAIImageEditsEndpoint],
};
