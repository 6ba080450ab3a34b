import { randomUUID } from 'node:crypto';
import { Bus } from '@conduit/bus';
import {
  ErrorCode,
  ImageSizeSchema,
  MAX_IMAGE_PROMPT_CHARS,
  MAX_IMAGES_PER_JOB,
  MediaGenContract,
  type CallerContext,
  type MediaJob,
  type MediaResult,
} from '@conduit/contracts';
import { z } from 'zod';
import type { AgentTool, ToolContext, ToolOutput } from '../agent-tool';
import { callService, serviceFailure, toolFailure } from '../tool-failures';

export const GENERATE_IMAGE_TOOL = 'generate_image';

const GenerateImageInputSchema = z.strictObject({
  prompt: z.string().trim().min(1).max(MAX_IMAGE_PROMPT_CHARS).describe('What the image should show'),
  size: ImageSizeSchema.default('1024x1024').describe('Width x height in pixels'),
  count: z.number().int().min(1).max(MAX_IMAGES_PER_JOB).default(1).describe('Images to make'),
});
type GenerateImageInput = z.output<typeof GenerateImageInputSchema>;

export interface GenerateImageSettings {
  readonly model: string;
  /** Bus requests (create, watch, read). */
  readonly requestTimeoutMs: number;
  /** The whole wait for the job's outcome. */
  readonly jobTimeoutMs: number;
}

/**
 * Asks media-gen for images: a durable job (its idempotency key is the run's and call's ids, so a retried
 * call does not make a second job), then waits for its outcome on the job's stream and answers the
 * result URLs (signed, relative to the gateway, expiring).
 */
export class GenerateImageTool implements AgentTool<GenerateImageInput> {
  readonly name = GENERATE_IMAGE_TOOL;
  readonly description =
    'Generates images from a text description and returns URLs of the results (they expire after a while).';
  readonly input = GenerateImageInputSchema as z.ZodType<GenerateImageInput>;

  constructor(
    private readonly bus: Bus,
    private readonly settings: GenerateImageSettings,
  ) {}

  async run(input: GenerateImageInput, context: ToolContext): Promise<ToolOutput> {
    const caller: CallerContext = { userId: context.userId };
    const options = { timeoutMs: this.settings.requestTimeoutMs };
    const created = await callService('media-gen', context.signal, () =>
      this.bus.request(
        MediaGenContract.createImageJob,
        {
          input: { prompt: input.prompt, model: this.settings.model, size: input.size, n: input.count },
          idempotencyKey: `agent-run:${context.runId}:${context.callId}`.slice(0, 255),
        },
        caller,
        options,
      ),
    );
    if (!created.ok) return created;
    const { jobId } = created.output as { jobId: string };

    const deadline = AbortSignal.any([context.signal, AbortSignal.timeout(this.settings.jobTimeoutMs)]);
    const streamId = randomUUID();
    const events = this.bus.openStream(MediaGenContract.jobStream, streamId);
    const stop = () => events.close();
    deadline.addEventListener('abort', stop, { once: true });
    try {
      await this.bus.request(MediaGenContract.watchJob, { jobId, streamId }, caller, options);
      for await (const event of events) {
        if (event.type === 'done') {
          if (event.status === 'succeeded') return succeeded(jobId, event.results);
          return toolFailure(
            event.status === 'cancelled' ? ErrorCode.Cancelled : 'GENERATION_FAILED',
            event.reason ?? `The image job ${event.status === 'cancelled' ? 'was cancelled' : 'failed'}`,
          );
        }
        if (event.type === 'error') break;
      }
      if (context.signal.aborted) return toolFailure(ErrorCode.Cancelled, 'The run was stopped');
      if (deadline.aborted) {
        return toolFailure(
          ErrorCode.Timeout,
          `The image job ${jobId} did not finish in time; it goes on, and its results can be read later`,
        );
      }
      // The stream was lost (the replica running it went away): the job itself says where it stands.
      return this.outcomeOf(jobId, caller, options);
    } catch (error) {
      if (deadline.aborted && !context.signal.aborted) {
        return toolFailure(ErrorCode.Timeout, `The image job ${jobId} did not finish in time`);
      }
      return serviceFailure('media-gen', error);
    } finally {
      deadline.removeEventListener('abort', stop);
      events.close();
    }
  }

  private async outcomeOf(
    jobId: string,
    caller: CallerContext,
    options: { timeoutMs: number },
  ): Promise<ToolOutput> {
    let job: MediaJob;
    try {
      job = await this.bus.request(MediaGenContract.getJob, { id: jobId }, caller, options);
    } catch (error) {
      return serviceFailure('media-gen', error);
    }
    if (job.status === 'succeeded') return succeeded(jobId, job.results);
    return toolFailure(
      ErrorCode.StreamLost,
      `Lost track of the image job ${jobId} while it was ${job.status}; its results can be read later`,
    );
  }
}

function succeeded(jobId: string, results: readonly MediaResult[]): ToolOutput {
  return {
    ok: true,
    output: {
      jobId,
      images: results.map((result) => ({
        url: result.url,
        expiresAt: result.urlExpiresAt,
        contentType: result.contentType,
        bytes: result.bytes,
      })),
    },
  };
}
