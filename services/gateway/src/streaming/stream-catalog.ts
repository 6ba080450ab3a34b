import { Injectable } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { StreamDef, WsStreamFrameTypes } from '@conduit/contracts';
import { GENERIC_WS_FRAMES, STREAM_ENDPOINT, type StreamEndpoint } from './stream-endpoint';

interface CatalogEntries {
  endpoints: Map<string, StreamEndpoint>;
  streams: Map<string, { def: StreamDef; wsFrames: WsStreamFrameTypes }>;
}

/**
 * Every stream endpoint the gateway's controllers declare with `@RelaysStream`, found at start-up, so
 * `/ws` can start any of them by name and any stream can be resumed or cancelled knowing only its id.
 */
@Injectable()
export class StreamCatalog {
  private entries: CatalogEntries | null = null;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  endpointNamed(name: string): StreamEndpoint | undefined {
    return this.catalog().endpoints.get(name);
  }

  streamNamed(name: string): StreamDef | undefined {
    return this.catalog().streams.get(name)?.def;
  }

  wsFramesOf(stream: StreamDef): WsStreamFrameTypes {
    return this.catalog().streams.get(stream.name)?.wsFrames ?? GENERIC_WS_FRAMES;
  }

  get endpointNames(): string[] {
    return [...this.catalog().endpoints.keys()];
  }

  private catalog(): CatalogEntries {
    this.entries ??= this.scan();
    return this.entries;
  }

  private scan(): CatalogEntries {
    const entries: CatalogEntries = { endpoints: new Map(), streams: new Map() };
    for (const wrapper of this.discovery.getControllers()) {
      const prototype = (wrapper.metatype as { prototype?: Record<string, unknown> } | null)?.prototype;
      if (!prototype) continue;
      for (const key of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[key];
        if (typeof handler !== 'function') continue;
        const endpoint = this.reflector.get<StreamEndpoint | undefined>(STREAM_ENDPOINT, handler);
        if (endpoint) register(entries, endpoint);
      }
    }
    return entries;
  }
}

function register(entries: CatalogEntries, endpoint: StreamEndpoint): void {
  const known = entries.endpoints.get(endpoint.name);
  if (known && known !== endpoint) throw new Error(`two stream endpoints are named ${endpoint.name}`);
  entries.endpoints.set(endpoint.name, endpoint);
  const wsFrames = endpoint.wsFrames ?? GENERIC_WS_FRAMES;
  const stream = entries.streams.get(endpoint.stream.name);
  if (stream && stream.wsFrames.event !== wsFrames.event) {
    throw new Error(`the endpoints of ${endpoint.stream.name} streams disagree on their /ws frames`);
  }
  entries.streams.set(endpoint.stream.name, { def: endpoint.stream, wsFrames });
}
