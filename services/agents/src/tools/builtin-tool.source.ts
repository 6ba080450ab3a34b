import { Injectable } from '@nestjs/common';
import type { AgentTool, AllowedTools, ToolSource } from './agent-tool';
import { calculatorTool } from './calculator/calculator.tool';
import { currentTimeTool } from './current-time/current-time.tool';

/**
 * The built-in tools: an agent gets those whose names its `tools` list. Tools without dependencies are
 * listed here; one that needs injected services is a provider that calls {@link add} when it starts.
 */
@Injectable()
export class BuiltinToolSource implements ToolSource {
  private readonly tools = new Map<string, AgentTool>();

  constructor() {
    this.add(calculatorTool);
    this.add(currentTimeTool);
  }

  add<Input>(tool: AgentTool<Input>): void {
    if (this.tools.has(tool.name)) throw new Error(`two built-in tools are named ${tool.name}`);
    this.tools.set(tool.name, tool as unknown as AgentTool);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  toolsFor(_userId: string, allowed: AllowedTools): Promise<readonly AgentTool[]> {
    return Promise.resolve(
      allowed.tools.map((name) => this.tools.get(name)).filter((tool) => tool !== undefined),
    );
  }
}
