import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

export interface SdkClientOptions {
  /** Unset (undefined) for servers that take no key (Ollama, a local vLLM). */
  apiKey?: string | undefined;
  /** The SDK's own default (the vendor's API) when unset. */
  baseURL?: string | undefined;
  /** The SDK's default when unset. */
  timeoutMs?: number | undefined;
  /** SDK retries; default 0, because the callers decide themselves when to try again. */
  maxRetries?: number | undefined;
}

/**
 * The key sent when none is configured: the SDK refuses to start without one, and keyless servers
 * ignore the bearer token.
 */
export const NO_API_KEY = 'no-key';

/** An official OpenAI SDK client (also for every server that speaks its API) that reads nothing from the environment. */
export function openAIClient(options: SdkClientOptions): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey ?? NO_API_KEY,
    // An undefined baseURL is the same as none given: the SDK default applies.
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries ?? 0,
    // Explicit nulls stop the SDK from reading OPENAI_ORG_ID & co. from the environment and sending
    // them to whatever server this instance talks to.
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    // Failures reach the caller as typed errors; the SDK's own console logging would bypass our logger.
    logLevel: 'off',
  });
}

/** An official Anthropic SDK client. */
export function anthropicClient(options: SdkClientOptions & { apiKey: string }): Anthropic {
  return new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries ?? 0,
    // Failures reach the caller as typed errors; the SDK's own console logging would bypass our logger.
    logLevel: 'off',
  });
}
