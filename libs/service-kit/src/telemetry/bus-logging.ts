import { context, type Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  BusInstrumentation,
  BusOperation,
  BusOutcome,
  BusStreamObserver,
  StreamEnd,
  StreamInfo,
  subjectTemplate,
} from '@conduit/bus';

/**
 * One debug line per bus message sent or handled and per stream ended (subject, outcome, duration;
 * never payloads), logged in the operation's trace context so the line carries its trace id.
 */
export class BusLogging implements BusInstrumentation {
  constructor(private readonly logger: Logger) {}

  onRequest(message: { subject: string }): BusOperation {
    return this.operation('bus request', message.subject);
  }

  onPublish(message: { subject: string }): BusOperation {
    return this.operation('bus event published', message.subject);
  }

  onServe(message: { subject: string }): BusOperation {
    return this.operation('bus request handled', message.subject);
  }

  onEvent(message: { subject: string }): BusOperation {
    return this.operation('bus event handled', message.subject);
  }

  onStreamProduce(stream: StreamInfo): BusStreamObserver {
    return this.stream('stream produced', stream);
  }

  onStreamConsume(stream: StreamInfo): BusStreamObserver {
    return this.stream('stream consumed', stream);
  }

  private operation(message: string, subject: string): BusOperation {
    const startedAt = performance.now();
    let within: Context = context.active();
    return {
      run: (fn) => {
        within = context.active();
        return fn();
      },
      end: (outcome: BusOutcome) => {
        if (!this.logger.isLevelEnabled('debug')) return;
        const fields = {
          subject: subjectTemplate(subject),
          outcome: outcome.ok ? 'ok' : outcome.error.code,
          durationMs: Math.round(performance.now() - startedAt),
        };
        context.with(within, () => this.logger.debug(fields, message));
      },
    };
  }

  private stream(message: string, info: StreamInfo): BusStreamObserver {
    const startedAt = performance.now();
    let within: Context = context.active();
    let events = 0;
    return {
      run: (fn) => {
        within = context.active();
        return fn();
      },
      event: () => void (events += 1),
      end: (how: StreamEnd) => {
        if (!this.logger.isLevelEnabled('debug')) return;
        const fields = {
          stream: info.stream,
          streamId: info.streamId,
          events,
          outcome: how.type === 'closed' ? 'closed' : how.event.type,
          durationMs: Math.round(performance.now() - startedAt),
        };
        context.with(within, () => this.logger.debug(fields, message));
      },
    };
  }
}
