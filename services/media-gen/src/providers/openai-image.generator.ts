import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError, toFile } from 'openai';
import { openAIClient } from '@conduit/provider-clients';
import { ErrorCode } from '@conduit/contracts';
import { retryAfterMs } from '@conduit/service-kit';
import type {
  GeneratedImage,
  GenerationControls,
  ImageGenerator,
  ImageRequest,
  InputImage,
} from './image-generator.port';
import { ProviderFailure } from './provider-failure';

export interface OpenAIImageOptions {
  apiKey: string;
  baseURL?: string;
  timeoutMs: number;
}

/**
 * Images through OpenAI's images API with the official SDK, asked for base64 (so the bytes are ours to
 * store; URLs it hands out expire). The SDK does not retry: the job is retried from its durable message,
 * after the wait the provider asked for, so a retry survives this process too.
 */
export class OpenAIImageGenerator implements ImageGenerator {
  private readonly client: OpenAI;

  constructor(options: OpenAIImageOptions) {
    this.client = openAIClient({
      apiKey: options.apiKey,
      baseURL: options.baseURL || undefined,
      timeoutMs: options.timeoutMs,
    });
  }

  async generate(request: ImageRequest, controls: GenerationControls): Promise<GeneratedImage[]> {
    let response: OpenAI.Images.ImagesResponse;
    try {
      response = request.image
        ? await this.edit(request, request.image, controls.signal)
        : await this.client.images.generate(
            {
              model: request.model,
              prompt: request.prompt,
              n: request.n,
              size: request.size as OpenAI.Images.ImageGenerateParams['size'],
              ...(request.quality ? { quality: request.quality } : {}),
              ...base64Answers(request.model),
            },
            { signal: controls.signal },
          );
    } catch (error) {
      throw failureOf(error, controls.signal);
    }
    const images = (response.data ?? []).map((image, index) => {
      if (!image.b64_json) {
        throw new ProviderFailure(
          ErrorCode.ProviderBadResponse,
          `image ${index} came without b64_json`,
          true,
        );
      }
      return {
        data: Buffer.from(image.b64_json, 'base64'),
        contentType: 'image/png',
        metadata: {
          model: `openai/${request.model}`,
          size: response.size ?? request.size,
          // gpt-image-1 says which quality it took (the one it picked for `auto`): what the image is priced at.
          ...(response.quality || request.quality ? { quality: response.quality ?? request.quality } : {}),
          ...(image.revised_prompt ? { revisedPrompt: image.revised_prompt } : {}),
          ...(request.image ? { edit: true, masked: request.mask !== undefined } : {}),
          created: response.created,
        },
      };
    });
    if (images.length !== request.n) {
      throw new ProviderFailure(
        ErrorCode.ProviderBadResponse,
        `asked for ${request.n} images, got ${images.length}`,
        true,
      );
    }
    controls.onProgress(100);
    return images;
  }

  /** `images.edit`: the picture, and where the mask is transparent, what to repaint (a multipart upload). */
  private async edit(
    request: ImageRequest,
    image: InputImage,
    signal: AbortSignal,
  ): Promise<OpenAI.Images.ImagesResponse> {
    const mask = request.mask;
    return this.client.images.edit(
      {
        model: request.model,
        prompt: request.prompt,
        n: request.n,
        size: request.size as OpenAI.Images.ImageEditParams['size'],
        image: await toFile(image.data, `image.${extensionOf(image.contentType)}`, {
          type: image.contentType,
        }),
        ...(mask ? { mask: await toFile(mask.data, 'mask.png', { type: mask.contentType }) } : {}),
        ...(request.quality ? { quality: request.quality as OpenAI.Images.ImageEditParams['quality'] } : {}),
        ...base64Answers(request.model),
      },
      { signal },
    );
  }
}

/** gpt-image-1 always answers base64 and refuses the parameter; the DALL·E models need it. */
function base64Answers(model: string): { response_format?: 'b64_json' } {
  return model.startsWith('dall-e') ? { response_format: 'b64_json' } : {};
}

function extensionOf(contentType: string): string {
  return contentType.split('/')[1] ?? 'png';
}

/** Whether to try again, and when: 429 and 5xx and lost connections pass, refusals of the request do not. */
export function failureOf(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted || error instanceof APIUserAbortError) return signal.reason ?? error;
  if (error instanceof APIConnectionTimeoutError)
    return new ProviderFailure(ErrorCode.ProviderTimeout, 'OpenAI did not answer in time', true);
  if (!(error instanceof APIError)) return error;
  const status = error.status;
  const message = `OpenAI answered ${status ?? 'nothing'}: ${error.message}`;
  if (status === undefined) return new ProviderFailure(ErrorCode.ProviderUnavailable, message, true);
  if (status === 429) {
    return new ProviderFailure(ErrorCode.ProviderRateLimited, message, true, retryAfterMs(error.headers));
  }
  if (status >= 500) {
    return new ProviderFailure(ErrorCode.ProviderUnavailable, message, true, retryAfterMs(error.headers));
  }
  if (status === 401 || status === 403)
    return new ProviderFailure(ErrorCode.ProviderAuthFailed, message, false);
  const code = (error as APIError & { code?: string | null }).code;
  if (code === 'content_policy_violation' || code === 'moderation_blocked') {
    return new ProviderFailure(ErrorCode.ProviderContentRejected, message, false);
  }
  return new ProviderFailure(ErrorCode.ProviderBadResponse, message, false);
}
