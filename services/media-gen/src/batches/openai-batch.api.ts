import OpenAI, { toFile } from 'openai';
import { openAIClient } from '@conduit/provider-clients';
import type { FinishReason } from '@conduit/contracts';
import {
  codeOfStatus,
  refusingClientErrors,
  type ProviderBatchApi,
  type ProviderBatchRequest,
  type ProviderBatchResult,
} from './batch-provider.port';

const ENDED = new Set(['completed', 'failed', 'expired', 'cancelled']);

/**
 * OpenAI's Batch API through the official SDK: the requests as a JSONL file (purpose `batch`), a batch
 * over it, its status polled, and its output and error files read back line by line.
 */
export class OpenAiBatchApi implements ProviderBatchApi {
  readonly provider = 'openai';
  private readonly client: OpenAI;

  constructor(options: { apiKey: string; baseURL?: string; timeoutMs: number }) {
    this.client = openAIClient({
      apiKey: options.apiKey,
      baseURL: options.baseURL || undefined,
      timeoutMs: options.timeoutMs,
      maxRetries: 2,
    });
  }

  async submit(requests: readonly ProviderBatchRequest[], reference: string): Promise<string> {
    const jsonl = requests
      .map((r) =>
        JSON.stringify({
          custom_id: r.customId,
          method: 'POST',
          url: '/v1/chat/completions',
          body: { ...r.body, model: r.providerModel },
        }),
      )
      .join('\n');
    return refusing(async () => {
      const file = await this.client.files.create({
        file: await toFile(Buffer.from(jsonl + '\n'), 'batch.jsonl'),
        purpose: 'batch',
      });
      const batch = await this.client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        metadata: { reference },
      });
      return batch.id;
    });
  }

  async hasEnded(providerBatchId: string): Promise<boolean> {
    const batch = await refusing(() => this.client.batches.retrieve(providerBatchId));
    return ENDED.has(batch.status);
  }

  async *results(providerBatchId: string): AsyncIterable<ProviderBatchResult> {
    const batch = await refusing(() => this.client.batches.retrieve(providerBatchId));
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (!fileId) continue;
      const text = await refusing(async () => (await this.client.files.content(fileId)).text());
      for (const raw of text.split('\n')) {
        if (raw.trim() === '') continue;
        yield resultOf(JSON.parse(raw) as OutputLine);
      }
    }
  }

  async cancel(providerBatchId: string): Promise<void> {
    await this.client.batches.cancel(providerBatchId);
  }
}

interface OutputLine {
  custom_id: string;
  response: { status_code: number; body: Record<string, unknown> } | null;
  error: { code?: string; message?: string } | null;
}

function resultOf(line: OutputLine): ProviderBatchResult {
  const response = line.response;
  if (response && response.status_code === 200) {
    const body = response.body as unknown as OpenAI.Chat.ChatCompletion;
    const choice = body.choices[0];
    const usage = body.usage;
    return {
      customId: line.custom_id,
      type: 'succeeded',
      content: choice?.message.content ?? '',
      finishReason: finishReasonOf(choice?.finish_reason),
      usage: {
        inputTokens: usage?.prompt_tokens ?? 0,
        outputTokens: usage?.completion_tokens ?? 0,
        cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
        estimated: usage === undefined,
      },
    };
  }
  const message =
    (response?.body as { error?: { message?: string } } | undefined)?.error?.message ??
    line.error?.message ??
    'OpenAI answered no result for this request';
  return {
    customId: line.custom_id,
    type: 'failed',
    error: { code: codeOfStatus(response?.status_code), message: `OpenAI: ${message}` },
  };
}

function finishReasonOf(reason: string | undefined): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'content_filter') return 'content_filter';
  return 'stop';
}

const refusing = <T>(call: () => Promise<T>) => refusingClientErrors('OpenAI', call);
