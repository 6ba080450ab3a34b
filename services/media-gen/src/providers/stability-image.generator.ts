import { ErrorCode } from '@conduit/contracts';
import { retryAfterMs } from '@conduit/service-kit';
import { z } from 'zod';
import type {
  GeneratedImage,
  GenerationControls,
  ImageGenerator,
  ImageRequest,
} from './image-generator.port';
import { ASPECT_RATIO_OF_SIZE } from './image-models';
import { oneCallPerImage } from './one-call-per-image';
import { ProviderFailure } from './provider-failure';

export interface StabilityImageOptions {
  apiKey: string;
  /** `https://api.stability.ai` unless a proxy or a compatible server stands in. */
  baseURL: string;
  timeoutMs: number;
}

/** `POST /v2beta/stable-image/generate/<route>` asked for JSON: the image in base64 and why it ended. */
const StabilityImageAnswerSchema = z.object({
  image: z.string().min(1),
  finish_reason: z.string(),
  seed: z.number().optional(),
});

/** Stability's error body: `{ id, name, errors: [...] }`. */
const StabilityErrorSchema = z.object({
  name: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

/**
 * Images through Stability AI's REST API (Stable Image Core and Ultra, Stable Diffusion 3.5). There is no
 * official Node SDK, so the call is one multipart `fetch`; like the other adapters it never retries itself:
 * the job is retried from its durable message after the wait the provider asked for.
 */
export class StabilityImageGenerator implements ImageGenerator {
  constructor(private readonly options: StabilityImageOptions) {}

  generate(request: ImageRequest, controls: GenerationControls): Promise<GeneratedImage[]> {
    return oneCallPerImage(request, controls, () => this.generateOne(request, controls));
  }

  private async generateOne(request: ImageRequest, controls: GenerationControls): Promise<GeneratedImage> {
    const aspectRatio = ASPECT_RATIO_OF_SIZE[request.size] ?? '1:1';
    const form = new FormData();
    form.set('prompt', request.prompt);
    form.set('aspect_ratio', aspectRatio);
    form.set('output_format', 'png');
    // Stable Image Core and Ultra have a route each; Stable Diffusion 3.5 shares one and names its model.
    const route = request.model.startsWith('sd3') ? 'sd3' : request.model.replace(/^stable-image-/, '');
    if (route === 'sd3') form.set('model', request.model);

    const url = new URL(`v2beta/stable-image/generate/${route}`, withTrailingSlash(this.options.baseURL));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' },
        body: form,
        signal: AbortSignal.any([controls.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
    } catch (error) {
      throw transportFailure(error, controls.signal);
    }
    if (!response.ok) throw await failureOfResponse(response);

    const answer = StabilityImageAnswerSchema.safeParse(await response.json().catch(() => undefined));
    if (!answer.success) {
      throw new ProviderFailure(ErrorCode.ProviderBadResponse, 'Stability answered without an image', true);
    }
    if (answer.data.finish_reason === 'CONTENT_FILTERED') {
      throw new ProviderFailure(
        ErrorCode.ProviderContentRejected,
        'Stability filtered the image for its content',
        false,
      );
    }
    return {
      data: Buffer.from(answer.data.image, 'base64'),
      contentType: 'image/png',
      metadata: {
        model: `stability/${request.model}`,
        aspectRatio,
        ...(answer.data.seed !== undefined ? { seed: answer.data.seed } : {}),
      },
    };
  }
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function transportFailure(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? error;
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return new ProviderFailure(ErrorCode.ProviderTimeout, 'Stability did not answer in time', true);
  return new ProviderFailure(
    ErrorCode.ProviderUnavailable,
    `Stability could not be reached: ${(error as Error).message}`,
    true,
  );
}

/** 429 and 5xx pass (after Retry-After when given); 403 is Stability's content moderation; the rest is final. */
async function failureOfResponse(response: Response): Promise<ProviderFailure> {
  const body = StabilityErrorSchema.safeParse(await response.json().catch(() => undefined));
  const detail = body.success ? [body.data.name, ...(body.data.errors ?? [])].filter(Boolean).join(': ') : '';
  const message = `Stability answered ${response.status}${detail ? `: ${detail}` : ''}`;
  const status = response.status;
  const wait = retryAfterMs(response.headers);
  if (status === 429) return new ProviderFailure(ErrorCode.ProviderRateLimited, message, true, wait);
  if (status >= 500) return new ProviderFailure(ErrorCode.ProviderUnavailable, message, true, wait);
  if (status === 401) return new ProviderFailure(ErrorCode.ProviderAuthFailed, message, false);
  if (status === 403 && body.success && body.data.name === 'content_moderation')
    return new ProviderFailure(ErrorCode.ProviderContentRejected, message, false);
  if (status === 403) return new ProviderFailure(ErrorCode.ProviderAuthFailed, message, false);
  return new ProviderFailure(ErrorCode.ProviderBadResponse, message, false);
}
