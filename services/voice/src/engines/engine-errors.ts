import { DomainError, ErrorCode } from '@conduit/contracts';
import {
  SpeechToTextError,
  type EngineAvailability,
  type SpeechEngineFailure,
} from '../stt/speech-to-text.port';
import { RealtimeVoiceError } from '../realtime/realtime-voice.port';
import { TextToSpeechError } from '../tts/text-to-speech.port';
import { UnknownEngineError } from './engine-registry';

/** An engine's failure as the typed error a request is answered with; anything else is passed on. */
export function engineErrorToDomain(error: unknown): unknown {
  if (error instanceof UnknownEngineError)
    return new DomainError(ErrorCode.ValidationFailed, error.message, { known: [...error.known] });
  if (error instanceof SpeechToTextError || error instanceof TextToSpeechError)
    return new DomainError(codeOf(error.failure), `${error.engine}: ${error.message}`, {
      engine: error.engine,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    });
  if (error instanceof RealtimeVoiceError)
    return new DomainError(codeOf(error.failure), error.message, { engine: error.engine });
  if (error instanceof Error && error.name === 'TimeoutError')
    return new DomainError(ErrorCode.Timeout, 'The speech engine took longer than allowed');
  return error;
}

/** SERVICE_UNAVAILABLE, naming what is missing, for an engine that cannot run here. */
export async function requireAvailable(engine: {
  id: string;
  availability(): Promise<EngineAvailability>;
}): Promise<void> {
  const availability = await engine.availability();
  if (!availability.available)
    throw new DomainError(
      ErrorCode.ServiceUnavailable,
      `${engine.id} cannot run here: ${availability.reason}`,
      {
        engine: engine.id,
      },
    );
}

function codeOf(failure: SpeechEngineFailure): ErrorCode {
  switch (failure) {
    case 'unavailable':
      return ErrorCode.ServiceUnavailable;
    case 'unauthorized':
      return ErrorCode.ProviderAuthFailed;
    case 'rate_limited':
      return ErrorCode.ProviderRateLimited;
    case 'bad_request':
      return ErrorCode.ValidationFailed;
    case 'upstream':
      return ErrorCode.ProviderUnavailable;
  }
}
