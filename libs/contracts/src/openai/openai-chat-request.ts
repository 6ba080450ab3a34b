import { z } from 'zod';
import { CompletionMessage, GenerationParams, MAX_MESSAGE_CHARS } from '../chat';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

const Message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string().max(MAX_MESSAGE_CHARS), z.array(TextPart).min(1)]),
  name: z.string().optional(),
});

/**
 * The subset of OpenAI's chat completion request we serve. Unknown fields are ignored as OpenAI's
 * SDKs send many optional ones; fields that would change the answer in ways we don't support are refused.
 */
export const OpenAiChatRequestSchema = z
  .object({
    model: z.string().min(1).max(200),
    messages: z.array(Message).min(1).max(1000),
    stream: z.boolean().default(false),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    n: z.literal(1, 'only n = 1 is supported').nullish(),
    tools: z.undefined('tool calling is not supported on this endpoint yet').optional(),
    user: z.string().optional(),
  })
  .loose();
export type OpenAiChatRequest = z.output<typeof OpenAiChatRequestSchema>;

export function toCompletionMessages(request: OpenAiChatRequest): CompletionMessage[] {
  return request.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((part) => part.text).join(''),
  }));
}

export function toGenerationParams(request: OpenAiChatRequest): GenerationParams {
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  return {
    ...(maxTokens ? { maxTokens } : {}),
    ...(request.temperature != null ? { temperature: request.temperature } : {}),
    ...(request.top_p != null ? { topP: request.top_p } : {}),
    ...(request.stop != null
      ? { stop: typeof request.stop === 'string' ? [request.stop] : request.stop }
      : {}),
  };
}
