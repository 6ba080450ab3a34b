import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode as McpErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { refusedAddressIn, type RefusedAddressError } from '../outbound/refused-address.error';

/** Where an MCP server answers and what to send it. */
export interface McpEndpoint {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Why an MCP server could not be used: what the tool error and the listing endpoint say. */
export class McpUnavailableError extends Error {
  constructor(
    readonly code: 'MCP_SERVER_UNAVAILABLE' | 'TIMEOUT' | 'ADDRESS_REFUSED' | 'CANCELLED',
    message: string,
  ) {
    super(message);
    this.name = 'McpUnavailableError';
  }
}

export const CLIENT_INFO = { name: 'conduit-agents', version: '1.0.0' };

/**
 * Opens short MCP sessions over streamable HTTP (the official SDK's client): one per listing or tool
 * call, closed after it, so no session outlives the exchange that needed it and a server restart costs
 * nothing. Every connection goes through `dispatcher` (the address policy's). `within` bounds the whole
 * exchange, connecting included.
 */
export class McpConnector {
  constructor(private readonly dispatcher: Dispatcher) {}

  async withSession<T>(
    endpoint: McpEndpoint,
    within: { signal: AbortSignal; timeoutMs: number; label: string },
    use: (client: Client, options: { signal: AbortSignal; timeout: number }) => Promise<T>,
  ): Promise<T> {
    const deadline = AbortSignal.any([within.signal, AbortSignal.timeout(within.timeoutMs)]);
    // The SDK wraps transport failures in errors of its own, without their cause: a refused address is
    // noted here, where it is still known.
    let refusal: RefusedAddressError | null = null;
    const fetch: FetchLike = async (url, init) => {
      try {
        return (await undiciFetch(url, {
          ...(init as object),
          dispatcher: this.dispatcher,
        } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
      } catch (error) {
        refusal ??= refusedAddressIn(error);
        throw error;
      }
    };
    const transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
      fetch,
      requestInit: { headers: { ...endpoint.headers } },
      // One exchange, then closed: a dropped stream is an error, not something to resume.
      reconnectionOptions: {
        maxReconnectionDelay: 1_000,
        initialReconnectionDelay: 1_000,
        reconnectionDelayGrowFactor: 1,
        maxRetries: 0,
      },
    });
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const options = { signal: deadline, timeout: within.timeoutMs };
    try {
      await client.connect(transport, options);
      return await use(client, options);
    } catch (error) {
      throw unavailable(refusal ?? error, within, deadline);
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
  }
}

export function unavailable(
  error: unknown,
  within: { signal: AbortSignal; timeoutMs: number; label: string },
  deadline: AbortSignal,
): Error {
  if (error instanceof McpUnavailableError) return error;
  if (within.signal.aborted) return new McpUnavailableError('CANCELLED', 'The run was stopped');
  if (deadline.aborted || (error as { code?: number }).code === McpErrorCode.RequestTimeout) {
    return new McpUnavailableError(
      'TIMEOUT',
      `The MCP server ${within.label} did not answer within ${within.timeoutMs} ms`,
    );
  }
  const refused = refusedAddressIn(error);
  if (refused) {
    return new McpUnavailableError('ADDRESS_REFUSED', `The MCP server ${within.label} ${refused.message}`);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new McpUnavailableError(
    'MCP_SERVER_UNAVAILABLE',
    `The MCP server ${within.label} could not be used: ${reason.slice(0, 300)}`,
  );
}
