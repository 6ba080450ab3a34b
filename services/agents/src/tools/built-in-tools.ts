import { Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { InjectConfig } from '@conduit/service-kit';
import { AddressPolicy } from '../outbound/address-policy';
import { guardedDispatcher, type HostResolver } from '../outbound/guarded-dispatcher';
import type { AgentTool, AllowedTools, ToolSource } from './agent-tool';
import { GenerateImageTool } from './generate-image/generate-image.tool';
import { HealthSummaryTool } from './health-summary/health-summary.tool';
import { HttpFetchTool } from './http-fetch/http-fetch.tool';
import { PlaceCallTool } from './place-call/place-call.tool';
import { RememberTool } from './remember/remember.tool';
import { SearchDocumentsTool } from './search-documents/search-documents.tool';
import type { BuiltInToolsConfig } from './tools.config';

/**
 * The built-in tools that ask other services (search, media-gen, health-data, voice) or the web; an agent gets
 * those its definition names. `http_fetch` exists only when AGENTS_HTTP_FETCH_ENABLED is on.
 */
@Injectable()
export class BuiltInTools implements ToolSource {
  private readonly tools: ReadonlyMap<string, AgentTool>;

  constructor(bus: Bus, @InjectConfig() config: BuiltInToolsConfig) {
    this.tools = new Map(builtInTools(bus, config).map((tool) => [tool.name, tool]));
  }

  /** Every built-in tool's name, for checking agent definitions. */
  get names(): readonly string[] {
    return [...this.tools.keys()];
  }

  toolsFor(_userId: string, allowed: AllowedTools, _signal?: AbortSignal): Promise<readonly AgentTool[]> {
    return Promise.resolve(
      allowed.tools.flatMap((name) => {
        const tool = this.tools.get(name);
        return tool ? [tool] : [];
      }),
    );
  }
}

/** The tools themselves; `resolve` replaces DNS for `http_fetch` (tests' made-up host names). */
export function builtInTools(
  bus: Bus,
  config: BuiltInToolsConfig,
  options: { resolve?: HostResolver } = {},
): AgentTool[] {
  const timeoutMs = config.AGENTS_TOOL_TIMEOUT_MS;
  const tools: AgentTool[] = [
    new SearchDocumentsTool(bus, timeoutMs),
    new RememberTool(bus, config.AGENTS_NOTES_COLLECTION, timeoutMs),
    new GenerateImageTool(bus, {
      model: config.AGENTS_IMAGE_MODEL,
      requestTimeoutMs: timeoutMs,
      jobTimeoutMs: config.AGENTS_IMAGE_TIMEOUT_MS,
    }),
    new HealthSummaryTool(bus, timeoutMs),
    new PlaceCallTool(bus, timeoutMs),
  ];
  if (config.AGENTS_HTTP_FETCH_ENABLED) {
    const dispatcher = guardedDispatcher(new AddressPolicy(config.AGENTS_HTTP_FETCH_ALLOWED_ADDRESSES), {
      ...(options.resolve ? { resolve: options.resolve } : {}),
      connectTimeoutMs: config.AGENTS_HTTP_FETCH_TIMEOUT_MS,
    });
    tools.push(
      new HttpFetchTool(dispatcher, {
        timeoutMs: config.AGENTS_HTTP_FETCH_TIMEOUT_MS,
        maxBytes: config.AGENTS_HTTP_FETCH_MAX_BYTES,
        maxRedirects: config.AGENTS_HTTP_FETCH_MAX_REDIRECTS,
      }),
    );
  }
  return tools;
}
