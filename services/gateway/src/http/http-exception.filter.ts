import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCode, openAiErrorFrom } from '@conduit/contracts';
import { PROBLEM_CONTENT_TYPE, problemFrom } from './problem';
import { toErrorBody } from './to-error-body';

/** Answers every HTTP error as problem+json (or OpenAI's error shape under /v1), never leaking internals. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent || reply.raw.headersSent) return;
    let mapped = toErrorBody(exception);
    if (!mapped) {
      this.logger.error(
        {
          err: exception,
          method: request.method,
          url: request.url,
          traceparent: request.headers.traceparent,
        },
        'unhandled error while serving a request',
      );
      mapped = { body: { code: ErrorCode.Internal, message: 'Internal server error' } };
    }
    const problem = problemFrom(mapped.body, mapped.status);
    const retryAfterMs = mapped.body.details?.retryAfterMs;
    if (typeof retryAfterMs === 'number') void reply.header('retry-after', Math.ceil(retryAfterMs / 1000));
    if (mapped.body.code === ErrorCode.Unauthenticated) void reply.header('www-authenticate', 'Bearer');
    if (request.url.startsWith('/v1/')) {
      void reply
        .status(problem.status)
        .type('application/json')
        .send(openAiErrorFrom(mapped.body, problem.status));
    } else {
      void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
    }
  }
}
