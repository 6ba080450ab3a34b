import { applyDecorators, HttpCode, SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

/** One declaration per route: it drives validation at the edge and the OpenAPI document alike. */
export interface ApiRouteSpec {
  summary: string;
  tag: string;
  body?: z.ZodType;
  /**
   * A `multipart/form-data` body the handler reads itself (not validated here): its text fields, and the
   * name of its one file part. Described in the OpenAPI document only.
   */
  multipart?: { fields: z.ZodType; file: string };
  query?: z.ZodType;
  params?: z.ZodType;
  /** Request headers the route reads (an object schema of lower-case names); checked, not replaced. */
  headers?: z.ZodType;
  response?: z.ZodType;
  /**
   * `sse`: answers `text/event-stream`; `json-or-sse`: either, chosen by the request; `audio`: audio
   * bytes; `file`: bytes of any type.
   */
  produces?: 'json' | 'sse' | 'json-or-sse' | 'audio' | 'file' | 'none';
  successStatus?: number;
  /** Reachable without credentials. */
  public?: boolean;
}

export const API_ROUTE = Symbol('api-route');
export const PUBLIC_ROUTE = 'conduit:public-route';

export const ApiRoute = (spec: ApiRouteSpec): MethodDecorator =>
  applyDecorators(
    SetMetadata(API_ROUTE, spec),
    SetMetadata(PUBLIC_ROUTE, spec.public === true),
    ...(spec.successStatus ? [HttpCode(spec.successStatus)] : []),
  );
