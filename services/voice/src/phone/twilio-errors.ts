import twilio from 'twilio';
import type { ApiErrorFacts, SdkErrorReader } from '@conduit/provider-errors';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

const codeOf = (error: unknown): unknown =>
  typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;

/** The Twilio SDK's failures: its RestException for API errors, axios' for the network. */
export const twilioErrors: SdkErrorReader = {
  isTimeout: (error) => TIMEOUT_CODES.has(codeOf(error) as string),
  isConnectionError: (error) => CONNECTION_CODES.has(codeOf(error) as string),
  readApiError(error): ApiErrorFacts | undefined {
    if (!(error instanceof twilio.RestException)) return undefined;
    return {
      status: error.status,
      headers: undefined,
      type: null,
      code: error.code === undefined ? null : String(error.code),
      message: error.message,
    };
  },
  isSdkError: () => false,
};
