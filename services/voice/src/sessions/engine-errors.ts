import type { Logger } from '@nestjs/common';
import { ErrorCode, isDomainError, type ErrorBody, type VoiceServerEvent } from '@conduit/contracts';
import { SpeechToTextError, type SpeechEngineFailure } from '../stt/speech-to-text.port';
import { RealtimeVoiceError } from '../realtime/realtime-voice.port';
import { TextToSpeechError } from '../tts/text-to-speech.port';

const CODE_OF_FAILURE: Record<SpeechEngineFailure, ErrorCode> = {
  unavailable: ErrorCode.ServiceUnavailable,
  unauthorized: ErrorCode.ProviderAuthFailed,
  rate_limited: ErrorCode.ProviderRateLimited,
  bad_request: ErrorCode.ValidationFailed,
  upstream: ErrorCode.ProviderUnavailable,
};

/** What the client is told of a failure: engine failures by kind, anything unexpected as INTERNAL. */
export function engineErrorBody(error: unknown): ErrorBody {
  if (isDomainError(error)) return error.toBody();
  if (
    error instanceof SpeechToTextError ||
    error instanceof TextToSpeechError ||
    error instanceof RealtimeVoiceError
  ) {
    return { code: CODE_OF_FAILURE[error.failure], message: `${error.engine}: ${error.message}` };
  }
  if (isErrorBody(error)) return error;
  return { code: ErrorCode.Internal, message: 'Internal error' };
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).code === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

/** A failure the session goes on after, as the client's `error` event; an unexpected one is logged whole. */
export function nonFatalErrorEvent(error: unknown, sessionId: string, logger: Logger): VoiceServerEvent {
  const body = engineErrorBody(error);
  if (!isDomainError(error) && body.code === ErrorCode.Internal) {
    logger.error(`voice session ${sessionId}: ${error instanceof Error ? error.stack : String(error)}`);
  }
  return { type: 'error', code: body.code, message: body.message, fatal: false };
}
