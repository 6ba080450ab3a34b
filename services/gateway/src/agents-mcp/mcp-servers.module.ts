import { Module } from '@nestjs/common';
import { McpServersController } from './mcp-servers.controller';

/** Users' MCP servers, relayed to the agents service. */
@Module({
  controllers: [McpServersController],
})
export class McpServersModule {}
