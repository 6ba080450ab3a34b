import { ErrorCode } from '@conduit/contracts';
import { z } from 'zod';
import type {
  GeneratedImage,
  GenerationControls,
  ImageGenerator,
  ImageRequest,
} from './image-generator.port';
import {
  ApiError,
  GoogleGenAI,
  Modality,
  type GenerateContentResponse,
  type GoogleGenAIClient,
} from '@conduit/provider-clients';
import { ASPECT_RATIO_OF_SIZE } from './image-models';
import { oneCallPerImage } from './one-call-per-image';
import { ProviderFailure } from './provider-failure';

export interface GeminiImageOptions {
  apiKey: string;
  /** The Gemini API elsewhere (a proxy); unset for Google's. */
  baseURL?: string;
  timeoutMs: number;
}

/** Finish reasons that mean the model refused the prompt or its picture, not that it failed. */
const REFUSALS = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'PROHIBITED_CONTENT',
  'IMAGE_PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_RECITATION',
]);

/** The body of an `ApiError`: Google's `{ error: { code, message, status, details } }`. */
const GoogleErrorBodySchema = z.object({
  error: z.object({
    message: z.string().optional(),
    status: z.string().optional(),
    details: z
      .array(z.looseObject({ '@type': z.string().optional(), retryDelay: z.string().optional() }))
      .optional(),
  }),
});

/**
 * Images from Gemini's image models through the official `@google/genai` SDK: `generateContent` asked for
 * the image modality (the SDK's `generateImages` is Vertex-only and deprecated). One image per call; the SDK
 * does not retry (no `retryOptions`), the job is retried from its durable message.
 */
export class GeminiImageGenerator implements ImageGenerator {
  private readonly client: GoogleGenAIClient;

  constructor(private readonly options: GeminiImageOptions) {
    this.client = new GoogleGenAI({
      apiKey: options.apiKey,
      // The version Google documents image generation on.
      apiVersion: 'v1beta',
      httpOptions: {
        ...(options.baseURL ? { baseUrl: options.baseURL } : {}),
        // The plain global fetch: calls are bounded by MEDIA_PROVIDER_TIMEOUT_MS here, and the SDK's own
        // Undici dispatcher looks for a process global that sandboxed module realms (Jest's) do not have.
        fetch: (input, init) => fetch(input, init),
      },
    });
  }

  generate(request: ImageRequest, controls: GenerationControls): Promise<GeneratedImage[]> {
    return oneCallPerImage(request, controls, () => this.generateOne(request, controls));
  }

  private async generateOne(request: ImageRequest, controls: GenerationControls): Promise<GeneratedImage> {
    const aspectRatio = ASPECT_RATIO_OF_SIZE[request.size] ?? '1:1';
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: GenerateContentResponse;
    try {
      response = await this.client.models.generateContent({
        model: request.model,
        // An edit sends the picture after the instruction, as Gemini's image editing takes it.
        contents: request.image
          ? [
              {
                role: 'user',
                parts: [
                  { text: request.prompt },
                  {
                    inlineData: {
                      mimeType: request.image.contentType,
                      data: Buffer.from(request.image.data).toString('base64'),
                    },
                  },
                ],
              },
            ]
          : request.prompt,
        config: {
          responseModalities: [Modality.IMAGE],
          imageConfig: { aspectRatio },
          abortSignal: AbortSignal.any([controls.signal, timeout]),
        },
      });
    } catch (error) {
      throw failureOf(error, controls.signal, timeout);
    }

    const blocked = response.promptFeedback?.blockReason;
    if (blocked) {
      throw new ProviderFailure(
        ErrorCode.ProviderContentRejected,
        `Gemini refused the prompt: ${blocked}`,
        false,
      );
    }
    const candidate = response.candidates?.[0];
    const finishReason = candidate?.finishReason;
    if (finishReason && REFUSALS.has(finishReason)) {
      throw new ProviderFailure(
        ErrorCode.ProviderContentRejected,
        `Gemini refused the image: ${finishReason}`,
        false,
      );
    }
    const image = candidate?.content?.parts?.find((part) => part.inlineData?.data)?.inlineData;
    if (!image?.data) {
      throw new ProviderFailure(
        ErrorCode.ProviderBadResponse,
        `Gemini answered without an image (finish reason ${finishReason ?? 'none'})`,
        true,
      );
    }
    return {
      data: Buffer.from(image.data, 'base64'),
      contentType: image.mimeType ?? 'image/png',
      metadata: {
        model: `google/${request.model}`,
        aspectRatio,
        ...(request.image ? { edit: true } : {}),
        ...(response.modelVersion ? { modelVersion: response.modelVersion } : {}),
      },
    };
  }
}

/** 429 and 5xx pass (after the RetryInfo delay when Google names one); refusals of the request do not. */
function failureOf(error: unknown, signal: AbortSignal, timeout: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? error;
  if (timeout.aborted)
    return new ProviderFailure(ErrorCode.ProviderTimeout, 'Gemini did not answer in time', true);
  if (!(error instanceof ApiError)) {
    return new ProviderFailure(
      ErrorCode.ProviderUnavailable,
      `Gemini could not be reached: ${(error as Error).message}`,
      true,
    );
  }
  const body = parseErrorBody(error.message);
  const message = `Gemini answered ${error.status}: ${body?.error.message ?? error.message}`;
  if (error.status === 429) {
    return new ProviderFailure(ErrorCode.ProviderRateLimited, message, true, retryDelayMs(body));
  }
  if (error.status >= 500)
    return new ProviderFailure(ErrorCode.ProviderUnavailable, message, true, retryDelayMs(body));
  // A wrong key is a 400 INVALID_ARGUMENT whose ErrorInfo says API_KEY_INVALID.
  const keyRefused = body?.error.details?.some((detail) => detail.reason === 'API_KEY_INVALID');
  if (error.status === 401 || error.status === 403 || keyRefused)
    return new ProviderFailure(ErrorCode.ProviderAuthFailed, message, false);
  return new ProviderFailure(ErrorCode.ProviderBadResponse, message, false);
}

function parseErrorBody(message: string): z.infer<typeof GoogleErrorBodySchema> | undefined {
  try {
    const parsed = GoogleErrorBodySchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `google.rpc.RetryInfo`'s `retryDelay` ("30s", "1.5s"): Google's Retry-After, sent in the body. */
function retryDelayMs(body: z.infer<typeof GoogleErrorBodySchema> | undefined): number | null {
  const delay = body?.error.details?.find((detail) =>
    detail['@type']?.endsWith('google.rpc.RetryInfo'),
  )?.retryDelay;
  const seconds = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
  return seconds === undefined ? null : Math.ceil(Number(seconds) * 1000);
}
