import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  MAX_MCP_SERVERS_PER_USER,
  type McpServer,
  type McpTool,
} from '@conduit/contracts';
import { UserSecrets } from '@conduit/envelope-crypto';
import { McpUnavailableError, type McpEndpoint } from './mcp-connector';
import type { McpServerHandle } from './mcp-server-tool';
import {
  McpServerNameTakenError,
  McpServerRepository,
  type McpServerFields,
  type StoredMcpServer,
} from './mcp-server.repository';
import { McpToolCatalog, type NamedMcpServer } from './mcp-tool-catalog';
import { prefixedToolName } from './mcp-tool-names';

export interface McpServerInput {
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly enabled: boolean;
}

/** Users' MCP servers, always the caller's own; their headers sealed with the user's data key. */
@Injectable()
export class McpServersService {
  constructor(
    private readonly servers: McpServerRepository,
    private readonly secrets: UserSecrets,
    private readonly catalog: McpToolCatalog,
  ) {}

  async create(userId: string, input: McpServerInput): Promise<McpServer> {
    if ((await this.servers.count(userId)) >= MAX_MCP_SERVERS_PER_USER) {
      throw new DomainError(ErrorCode.Conflict, `At most ${MAX_MCP_SERVERS_PER_USER} MCP servers per user`);
    }
    const id = randomUUID();
    const fields = await this.fieldsOf(userId, id, input);
    return view(await this.named(input.name, () => this.servers.insert(userId, id, fields)));
  }

  async list(userId: string): Promise<{ data: McpServer[] }> {
    return { data: (await this.servers.list(userId)).map(view) };
  }

  /** NOT_FOUND for a server that is not the caller's, exactly as for one that does not exist. */
  async get(userId: string, id: string): Promise<McpServer> {
    return view(await this.stored(userId, id));
  }

  async update(userId: string, id: string, update: Partial<McpServerInput>): Promise<McpServer> {
    const current = await this.stored(userId, id);
    const fields: McpServerFields = {
      name: update.name ?? current.name,
      url: update.url ?? current.url,
      enabled: update.enabled ?? current.enabled,
      ...(update.headers
        ? await this.sealedHeaders(userId, id, update.headers)
        : { headerNames: current.headerNames, sealedHeaders: current.sealedHeaders }),
    };
    const updated = await this.named(fields.name, () => this.servers.replace(userId, id, fields));
    if (!updated) throw notFound();
    this.catalog.forget(id);
    return view(updated);
  }

  async delete(userId: string, id: string): Promise<{ deleted: true }> {
    if (!(await this.servers.delete(userId, id))) throw notFound();
    this.catalog.forget(id);
    return { deleted: true };
  }

  /** Asks the server for its tools (the cached list when fresh; a recent failure is not remembered here: this is the check). */
  async tools(userId: string, id: string, signal: AbortSignal): Promise<{ tools: McpTool[] }> {
    const server = await this.stored(userId, id);
    try {
      const listed = await this.catalog.toolsOf(this.handleOf(server), signal, { check: true });
      return {
        tools: listed.map((tool) => ({
          name: prefixedToolName(server.name, tool.name),
          serverToolName: tool.name,
          description: tool.description ?? '',
          inputSchema: tool.inputSchema,
        })),
      };
    } catch (error) {
      if (!(error instanceof McpUnavailableError)) throw error;
      throw new DomainError(
        error.code === 'TIMEOUT' ? ErrorCode.Timeout : ErrorCode.ServiceUnavailable,
        error.message,
        { reason: error.code },
      );
    }
  }

  /** The user's enabled servers among `ids`, to gather tools from. */
  async handlesOf(userId: string, ids: readonly string[]): Promise<NamedMcpServer[]> {
    const servers = await this.servers.findMany(userId, ids);
    return servers
      .filter((server) => server.enabled)
      .map((server) => ({ name: server.name, handle: this.handleOf(server) }));
  }

  private handleOf(server: StoredMcpServer): McpServerHandle {
    return this.catalog.httpHandle(server, () => this.endpointOf(server));
  }

  private async endpointOf(server: StoredMcpServer): Promise<McpEndpoint> {
    if (!server.sealedHeaders) return { url: server.url, headers: {} };
    const opened = await this.secrets.decrypt(server.userId, server.sealedHeaders, headersContext(server.id));
    return { url: server.url, headers: JSON.parse(opened) as Record<string, string> };
  }

  private async stored(userId: string, id: string): Promise<StoredMcpServer> {
    const server = await this.servers.find(userId, id);
    if (!server) throw notFound();
    return server;
  }

  private async fieldsOf(userId: string, id: string, input: McpServerInput): Promise<McpServerFields> {
    return {
      name: input.name,
      url: input.url,
      enabled: input.enabled,
      ...(await this.sealedHeaders(userId, id, input.headers)),
    };
  }

  private async sealedHeaders(
    userId: string,
    id: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<Pick<McpServerFields, 'headerNames' | 'sealedHeaders'>> {
    const names = Object.keys(headers).sort();
    if (names.length === 0) return { headerNames: [], sealedHeaders: null };
    return {
      headerNames: names,
      sealedHeaders: await this.secrets.encrypt(userId, JSON.stringify(headers), headersContext(id)),
    };
  }

  private async named<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof McpServerNameTakenError)
        throw new DomainError(ErrorCode.Conflict, `You already have an MCP server named ${name}`);
      throw error;
    }
  }
}

const headersContext = (serverId: string) => `mcp-server:${serverId}:headers`;
const notFound = () => new DomainError(ErrorCode.NotFound, 'No MCP server with that id');

function view(server: StoredMcpServer): McpServer {
  return {
    id: server.id,
    name: server.name,
    url: server.url,
    headerNames: [...server.headerNames],
    enabled: server.enabled,
    createdAt: server.createdAt.toISOString(),
    updatedAt: server.updatedAt.toISOString(),
  };
}
