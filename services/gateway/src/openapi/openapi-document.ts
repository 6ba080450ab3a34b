import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { z } from 'zod';
import { API_ROUTE, ApiRouteSpec } from '../http/api-route.decorator';

type JsonSchema = Record<string, unknown>;

const PROBLEM_RESPONSE = {
  description: 'An error, as RFC 9457 problem details (OpenAI error shape under /v1)',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

const RATE_LIMITED_RESPONSE = {
  ...PROBLEM_RESPONSE,
  description:
    'Over a rate limit (requests per minute or concurrent streams); retry after `Retry-After` seconds',
  headers: {
    'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait before retrying' },
  },
};

/** Builds the OpenAPI 3.1 document from the `@ApiRoute` declarations the gateway validates with. */
@Injectable()
export class OpenApiDocument {
  private cached: JsonSchema | null = null;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  get(): JsonSchema {
    this.cached ??= this.build();
    return this.cached;
  }

  private build(): JsonSchema {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const basePath = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const spec = this.reflector.get<ApiRouteSpec | undefined>(API_ROUTE, handler);
        if (!spec) continue;
        const method =
          RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
        const path = toOpenApiPath(basePath, String(Reflect.getMetadata(PATH_METADATA, handler) ?? ''));
        (paths[path] ??= {})[method] = operation(spec);
      }
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'Conduit API',
        version: '1',
        description:
          'One gateway over chat, and the AI services that follow. Errors are RFC 9457 problem details.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An access token (JWT) or an API key' },
        },
        schemas: { Problem: PROBLEM_SCHEMA },
      },
      paths,
    };
  }
}

function operation(spec: ApiRouteSpec): Record<string, unknown> {
  const parameters = [
    ...parametersFrom(spec.params, 'path'),
    ...parametersFrom(spec.query, 'query'),
    ...parametersFrom(spec.headers, 'header'),
  ];
  const status = String(spec.successStatus ?? 200);
  const content: Record<string, unknown> = {};
  if (spec.produces !== 'sse' && spec.produces !== 'audio' && spec.response)
    content['application/json'] = { schema: toSchema(spec.response, 'output') };
  if (spec.produces === 'audio') content['audio/*'] = { schema: { type: 'string', format: 'binary' } };
  if (spec.produces === 'sse' || spec.produces === 'json-or-sse') {
    content['text/event-stream'] = { schema: { type: 'string', description: 'Server-sent events' } };
  }
  if (spec.produces === 'file') content['*/*'] = { schema: { type: 'string', format: 'binary' } };
  return {
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.public ? { security: [] } : { security: [{ bearer: [] }] }),
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: toSchema(spec.body, 'input') } },
          },
        }
      : {}),
    ...(spec.multipart ? { requestBody: multipartBody(spec.multipart) } : {}),
    responses: {
      [status]: { description: 'Success', ...(Object.keys(content).length ? { content } : {}) },
      ...(spec.public ? {} : { 429: RATE_LIMITED_RESPONSE }),
      default: PROBLEM_RESPONSE,
    },
  };
}

function parametersFrom(schema: z.ZodType | undefined, location: 'path' | 'query' | 'header'): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

/** A form of text fields plus one binary file part. */
function multipartBody(multipart: NonNullable<ApiRouteSpec['multipart']>) {
  const fields = toSchema(multipart.fields, 'input') as { properties?: object; required?: string[] };
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: [multipart.file, ...(fields.required ?? [])],
          properties: { [multipart.file]: { type: 'string', format: 'binary' }, ...fields.properties },
        },
      },
    },
  };
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function toOpenApiPath(base: string, path: string): string {
  const joined = `/${[base, path].filter(Boolean).join('/')}`.replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};
