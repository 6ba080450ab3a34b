import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import type { ModelToolSpec } from '../models/agent-model.port';
import type { AgentTool, AllowedTools, ToolSource } from './agent-tool';
import { BuiltInTools } from './built-in-tools';
import { BuiltinToolSource } from './builtin-tool.source';

/** The tools one run may call, by name, and how the model is shown them. */
export interface RunTools {
  byName: ReadonlyMap<string, AgentTool>;
  specs: readonly ModelToolSpec[];
}

/**
 * Every source of tools (built-in ones, a user's MCP servers, a user's connectors). Other sources
 * register themselves when they start (`registry.register(this)` in `onModuleInit`); a run asks each for
 * what its agent allows and gets the union, the first source to offer a name keeping it.
 */
@Injectable()
export class ToolRegistry {
  private readonly logger = new Logger(ToolRegistry.name);
  private readonly sources: ToolSource[] = [];
  private readonly schemas = new WeakMap<AgentTool, Record<string, unknown>>();

  constructor(builtins: BuiltinToolSource, serviceTools: BuiltInTools) {
    this.register(builtins);
    this.register(serviceTools);
  }

  register(source: ToolSource): void {
    this.sources.push(source);
  }

  async toolsFor(userId: string, allowed: AllowedTools, signal: AbortSignal): Promise<RunTools> {
    const offered = await Promise.all(this.sources.map((source) => source.toolsFor(userId, allowed, signal)));
    const byName = new Map<string, AgentTool>();
    for (const tool of offered.flat()) {
      if (byName.has(tool.name)) {
        this.logger.warn(`two tools are named ${tool.name}; the first one is kept`);
        continue;
      }
      byName.set(tool.name, tool);
    }
    return {
      byName,
      specs: [...byName.values()].map((tool) => ({
        name: tool.name,
        description: tool.description,
        parameters: this.schemaOf(tool),
      })),
    };
  }

  /** The tool's zod input schema as the JSON schema the model sees; computed once per tool. */
  private schemaOf(tool: AgentTool): Record<string, unknown> {
    let schema = this.schemas.get(tool);
    if (!schema) {
      const { $schema: _ignored, ...rest } = z.toJSONSchema(tool.input, {
        io: 'input',
        unrepresentable: 'any',
      });
      schema = rest;
      this.schemas.set(tool, schema);
    }
    return schema;
  }
}
