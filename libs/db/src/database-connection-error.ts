import { redactDatabaseUrl } from './database-url';

export class DatabaseConnectionError extends Error {
  override readonly name = 'DatabaseConnectionError';

  constructor(
    readonly databaseUrl: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot connect to Postgres at ${redactDatabaseUrl(databaseUrl)}: ${reason}`, options);
  }
}

export function describeConnectionFailure(error: unknown, timeoutMs: number): string {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running and is the port right?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `host unreachable (${code})`;
    case '3D000':
      return `${message} (create it first, e.g. with ensureDatabase or "migrate deploy")`;
    case '28P01':
    case '28000':
      return `authentication failed: ${message}`;
    default:
      if (/timeout/i.test(message)) return `no answer within ${timeoutMs} ms`;
      return code ? `${message} (${code})` : message;
  }
}
