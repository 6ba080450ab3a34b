import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { isDomainError } from '@conduit/contracts';
import type { AgentTool, AllowedTools, ToolOutput, ToolSource } from '../tools/agent-tool';
import { ConnectorRegistry } from './connector-registry';
import type { ConnectorToolSpec } from './connector-definition';
import { ConnectionNeedsReauthorizationError, ConnectionTokens } from './connection-tokens.service';
import { ConnectionRepository, type ConnectionRow } from './connection.repository';
import { ProviderApiError } from './provider-api';

const isUuid = (value: string) => z.uuid().safeParse(value).success;

/**
 * The tools of the connections an agent is allowed (`connectors`: connection ids), for their owner only:
 * each call gets the connection's fresh access token. Two connections of one provider get their tools'
 * names suffixed with the connection's first id characters.
 */
@Injectable()
export class ConnectorTools implements ToolSource {
  private readonly logger = new Logger('ConnectorTools');

  constructor(
    private readonly connections: ConnectionRepository,
    private readonly tokens: ConnectionTokens,
    private readonly registry: ConnectorRegistry,
  ) {}

  async toolsFor(userId: string, allowed: AllowedTools, _signal: AbortSignal): Promise<readonly AgentTool[]> {
    const rows = await this.connections.listByIds(userId, allowed.connectors.filter(isUuid));
    const perProvider = new Map<string, number>();
    for (const row of rows) perProvider.set(row.provider, (perProvider.get(row.provider) ?? 0) + 1);
    return rows.flatMap((row) => {
      const suffix = (perProvider.get(row.provider) ?? 0) > 1 ? `_${row.id.slice(0, 8)}` : '';
      return this.registry.get(row.provider).tools.map((spec) => this.tool(userId, row, spec, suffix));
    });
  }

  private tool(userId: string, row: ConnectionRow, spec: ConnectorToolSpec, suffix: string): AgentTool {
    const connector = this.registry.get(row.provider);
    return {
      name: `${spec.name}${suffix}`,
      description: `${spec.description} (${connector.name} account ${row.accountLabel})`,
      input: spec.input,
      run: async (input, context): Promise<ToolOutput> => {
        // A tool is built for one user's run; it never acts for anyone else.
        if (context.userId !== userId) {
          return {
            ok: false,
            error: { code: 'FORBIDDEN', message: 'This connection belongs to another user' },
          };
        }
        const api = connector.api(
          ({ fresh }) => this.tokens.accessToken(userId, row.id, { fresh }),
          context.signal,
        );
        try {
          return { ok: true, output: await spec.run(input, api) };
        } catch (error) {
          return { ok: false, error: this.describe(error, connector.name) };
        }
      },
    };
  }

  private describe(error: unknown, provider: string): { code: string; message: string } {
    if (error instanceof ConnectionNeedsReauthorizationError) {
      return {
        code: 'CONNECTION_NEEDS_REAUTHORIZATION',
        message: `The ${provider} connection is no longer authorized; the user has to connect ${provider} again`,
      };
    }
    if (error instanceof ProviderApiError) {
      const code =
        error.status === 404
          ? 'NOT_FOUND'
          : error.status === 403
            ? 'FORBIDDEN'
            : error.status === 429
              ? 'RATE_LIMITED'
              : error.status === 401
                ? 'CONNECTION_NEEDS_REAUTHORIZATION'
                : error.status >= 400 && error.status < 500
                  ? 'INVALID_REQUEST'
                  : 'PROVIDER_ERROR';
      return { code, message: `${provider}: ${error.message}` };
    }
    if (isDomainError(error)) return { code: error.code, message: error.message };
    const name = (error as Error | undefined)?.name;
    if (name === 'TimeoutError') return { code: 'TIMEOUT', message: `${provider} did not answer in time` };
    if (name === 'AbortError') return { code: 'CANCELLED', message: 'The call was cancelled' };
    this.logger.error(`a ${provider} tool failed: ${(error as Error).message}`);
    return { code: 'INTERNAL', message: `The ${provider} tool failed` };
  }
}
