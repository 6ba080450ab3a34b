import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { RequestDef, StreamDef, WsStreamFrameTypes } from '@conduit/contracts';
import { z } from 'zod';
import { StartsStream } from '../rate-limits/request-count';

/**
 * A stream clients may start through the gateway: the contract's request that starts it (its payload
 * carries the `streamId` the gateway picks) and the stream of partial results it produces. Declared
 * once, next to the controller that serves it; the same endpoint is then startable over SSE (the
 * controller method) and over `/ws` (a `start` frame naming it), resumable and cancellable by id.
 */
export interface StreamEndpoint<D extends RequestDef = RequestDef, S extends StreamDef = StreamDef> {
  /** Public name, used by `/ws` `start` frames: `<service>.<what>`, e.g. `chat.message`. */
  readonly name: string;
  readonly start: D;
  readonly stream: S;
  /**
   * The `/ws` frame types this stream's ack and events travel in. Every stream uses `started` and
   * `event` unless it predates them (chat's streams keep `chat.started` and `chat.event`).
   */
  readonly wsFrames?: WsStreamFrameTypes;
}

export const GENERIC_WS_FRAMES: WsStreamFrameTypes = { started: 'started', event: 'event' };

type StartsWithStreamId<D extends RequestDef> = D['request'] extends { _zod: { input: { streamId: string } } }
  ? D
  : never;

/** Only requests whose payload takes the `streamId` can start a stream the gateway relays. */
export function defineStreamEndpoint<D extends RequestDef, S extends StreamDef>(endpoint: {
  name: string;
  start: StartsWithStreamId<D>;
  stream: S;
  wsFrames?: WsStreamFrameTypes;
}): StreamEndpoint<D, S> {
  return endpoint;
}

export const STREAM_ENDPOINT = Symbol('stream-endpoint');

/**
 * Marks a controller method that starts `endpoint`'s streams: registers the endpoint (so `/ws` can
 * start it and `/api/v1/streams/:id` resume and cancel it) and has the stream admission count the
 * request (see {@link StartsStream}).
 */
export const RelaysStream = (endpoint: StreamEndpoint): MethodDecorator =>
  applyDecorators(SetMetadata(STREAM_ENDPOINT, endpoint), StartsStream());

const payloadSchemas = new WeakMap<StreamEndpoint, z.ZodType>();

/**
 * What a client sends to start `endpoint` where it names the endpoint itself (a `/ws` `start` frame):
 * the start request without its `streamId`. Checked before admission, so a malformed start costs no slot.
 */
export function startPayloadSchemaOf(endpoint: StreamEndpoint): z.ZodType {
  let schema = payloadSchemas.get(endpoint);
  if (!schema) {
    const request = endpoint.start.request;
    schema = request instanceof z.ZodObject ? request.omit({ streamId: true }) : request;
    payloadSchemas.set(endpoint, schema);
  }
  return schema;
}
