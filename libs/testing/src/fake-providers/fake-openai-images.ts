import type { FakeUsageOverride } from './fake-provider.behavior';
import type {
  FakeFormFields,
  FakeFormFile,
  FakeJsonEndpoint,
  ProviderErrorSpec,
} from './fake-provider.server';

/** The fields of `POST /v1/images/generations` the fake reads. */
export interface OpenAIImagesRequestBody {
  model?: string;
  prompt: string;
  n?: number | null;
  size?: string | null;
  quality?: string | null;
  response_format?: 'url' | 'b64_json' | null;
}

/** What each model accepts, as the real API checks it. */
const MODELS: Readonly<
  Record<string, { sizes: readonly string[]; qualities: readonly string[]; maxN: number; maxPrompt: number }>
> = {
  'gpt-image-1': {
    sizes: ['auto', '1024x1024', '1536x1024', '1024x1536'],
    qualities: ['auto', 'low', 'medium', 'high'],
    maxN: 10,
    maxPrompt: 32_000,
  },
  'dall-e-3': {
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    qualities: ['standard', 'hd'],
    maxN: 1,
    maxPrompt: 4_000,
  },
  'dall-e-2': {
    sizes: ['256x256', '512x512', '1024x1024'],
    qualities: ['standard'],
    maxN: 10,
    maxPrompt: 1_000,
  },
};

/** A 1×1 PNG: every image the fake makes (its bytes are a real PNG, which is all callers can check). */
export const FAKE_OPENAI_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const invalid = (
  message: string,
  param: string | null,
  code: string | null = 'invalid_value',
): ProviderErrorSpec => ({
  status: 400,
  type: 'invalid_request_error',
  message,
  param,
  code,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validate(json: unknown): ProviderErrorSpec | undefined {
  if (!isRecord(json)) return invalid('The request body must be a JSON object.', null, null);
  const model = typeof json.model === 'string' ? json.model : 'dall-e-2';
  const spec = MODELS[model];
  if (!spec)
    return invalid(
      `Invalid value: '${model}'. Value must be one of ${Object.keys(MODELS).join(', ')}.`,
      'model',
    );
  if (typeof json.prompt !== 'string' || json.prompt.length === 0)
    return invalid("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  if (json.prompt.length > spec.maxPrompt) {
    return invalid(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${spec.maxPrompt}, but got a string with length ${json.prompt.length} instead.`,
      'prompt',
      'string_above_max_length',
    );
  }
  const n = json.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > spec.maxN) {
    return invalid(
      spec.maxN === 1
        ? 'You must provide n=1 for this model.'
        : `Invalid 'n': must be between 1 and ${spec.maxN}.`,
      'n',
    );
  }
  if (json.size != null && !spec.sizes.includes(String(json.size))) {
    return invalid(
      `Invalid value: '${String(json.size)}'. Supported values are: ${spec.sizes.map((s) => `'${s}'`).join(', ')}.`,
      'size',
    );
  }
  if (json.quality != null && !spec.qualities.includes(String(json.quality))) {
    return invalid(
      `Invalid value: '${String(json.quality)}'. Supported values are: ${spec.qualities.map((q) => `'${q}'`).join(', ')}.`,
      'quality',
    );
  }
  if (json.response_format != null) {
    if (model === 'gpt-image-1')
      return invalid("Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter');
    if (json.response_format !== 'url' && json.response_format !== 'b64_json')
      return invalid(`Invalid value: '${String(json.response_format)}'.`, 'response_format');
  }
  return undefined;
}

function answer(json: unknown, _usage: FakeUsageOverride | undefined): unknown {
  const body = json as OpenAIImagesRequestBody;
  const model = body.model ?? 'dall-e-2';
  const n = body.n ?? 1;
  const asUrl = model !== 'gpt-image-1' && body.response_format !== 'b64_json';
  return {
    created: Math.floor(Date.now() / 1000),
    data: Array.from({ length: n }, () => ({
      ...(asUrl ? { url: 'https://images.invalid/fake.png' } : { b64_json: FAKE_OPENAI_PNG_BASE64 }),
      ...(model === 'dall-e-3' ? { revised_prompt: `A faithful rendering of: ${body.prompt}` } : {}),
    })),
    ...(model === 'gpt-image-1'
      ? {
          // The API names what it made; for `auto` it picks the quality (this fake always picks medium).
          background: 'opaque',
          output_format: 'png',
          quality: body.quality == null || body.quality === 'auto' ? 'medium' : body.quality,
          size: body.size ?? '1024x1024',
          usage: {
            input_tokens: Math.ceil(body.prompt.length / 4),
            output_tokens: 272 * n,
            total_tokens: Math.ceil(body.prompt.length / 4) + 272 * n,
            input_tokens_details: { text_tokens: Math.ceil(body.prompt.length / 4), image_tokens: 0 },
          },
        }
      : {}),
  };
}

/**
 * `POST /v1/images/generations` as the OpenAI API answers it: per-model checks of size, quality, n and
 * prompt length, base64 or URL answers. Faults (429 with Retry-After, 500, a content-policy 400, a stall)
 * are scripted through `server.endpoint('/v1/images/generations')`.
 */
export const openAIImagesEndpoint: FakeJsonEndpoint = {
  method: 'POST',
  path: '/v1/images/generations',
  validate,
  answer,
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EDIT_MODELS = ['dall-e-2', 'gpt-image-1'];

const isFile = (value: FakeFormFields[string] | undefined): value is FakeFormFile =>
  typeof value === 'object' && value !== null;

/** The edit form as the generation checks read it (numbers arrive as text). */
function editAsGeneration(fields: FakeFormFields): Record<string, unknown> {
  const text = (name: string) => (typeof fields[name] === 'string' ? fields[name] : undefined);
  const n = text('n');
  return {
    model: text('model') ?? 'dall-e-2',
    prompt: text('prompt'),
    ...(n !== undefined ? { n: Number(n) } : {}),
    ...(text('size') !== undefined ? { size: text('size') } : {}),
    ...(text('quality') !== undefined ? { quality: text('quality') } : {}),
    ...(text('response_format') !== undefined ? { response_format: text('response_format') } : {}),
  };
}

function validateEdit(body: unknown): ProviderErrorSpec | undefined {
  const fields = body as FakeFormFields;
  const model = typeof fields.model === 'string' ? fields.model : 'dall-e-2';
  if (!EDIT_MODELS.includes(model)) {
    return invalid(
      `Invalid value: '${model}'. Value must be one of ${EDIT_MODELS.map((m) => `'${m}'`).join(', ')}.`,
      'model',
    );
  }
  const image = fields.image;
  if (!isFile(image))
    return invalid("Missing required parameter: 'image'.", 'image', 'missing_required_parameter');
  if (!image.data.subarray(0, 8).equals(PNG_SIGNATURE) && model === 'dall-e-2') {
    return invalid(
      "Invalid input image - format must be in ['RGBA', 'LA', 'L'], got RGB.",
      'image',
      'invalid_image_format',
    );
  }
  const mask = fields.mask;
  if (mask !== undefined && (!isFile(mask) || !mask.data.subarray(0, 8).equals(PNG_SIGNATURE))) {
    return invalid('Invalid mask image: the mask must be a PNG file.', 'mask', 'invalid_image_format');
  }
  return validate(editAsGeneration(fields));
}

/**
 * `POST /v1/images/edits` as the OpenAI API answers it: a multipart form with the image (a PNG for
 * dall-e-2), an optional PNG mask whose transparent pixels mark what to repaint, and the generation's
 * fields; models that do not edit are refused. Answers as generations do; scripted through
 * `server.endpoint('/v1/images/edits')`.
 */
export const openAIImageEditsEndpoint: FakeJsonEndpoint = {
  method: 'POST',
  path: '/v1/images/edits',
  body: 'form',
  validate: validateEdit,
  answer: (body, usage) => answer(editAsGeneration(body as FakeFormFields), usage),
};
