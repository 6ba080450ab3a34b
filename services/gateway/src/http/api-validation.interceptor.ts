import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import type { z } from 'zod';
import { validationError } from '@conduit/contracts';
import { API_ROUTE, ApiRouteSpec } from './api-route.decorator';

type Part = 'body' | 'query' | 'params';
const PART_NAMES: Record<Part, string> = {
  body: 'request body',
  query: 'query string',
  params: 'path parameters',
};

/** Validates body, query and path parameters against the route's declared schemas, replacing them with the parsed values. */
@Injectable()
export class ApiValidationInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<ApiRouteSpec | undefined>(API_ROUTE, context.getHandler());
    if (spec && context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      const target = request as unknown as Record<Part, unknown>;
      for (const part of ['params', 'query', 'body'] as const) {
        const schema: z.ZodType | undefined = spec[part];
        if (!schema) continue;
        const parsed = schema.safeParse(target[part] ?? (part === 'body' ? undefined : {}));
        if (!parsed.success) throw validationError(parsed.error, PART_NAMES[part]);
        target[part] = parsed.data;
      }
      if (spec.headers) {
        const parsed = spec.headers.safeParse(request.headers);
        if (!parsed.success) throw validationError(parsed.error, 'headers');
      }
    }
    return next.handle();
  }
}
