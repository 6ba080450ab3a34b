import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, type ConnectorProvider } from '@conduit/contracts';
import { inTransaction, lockKey } from '@conduit/db';
import { InjectConfig } from '@conduit/service-kit';
import { UserSecrets } from '@conduit/envelope-crypto';
import type { ConnectorsConfig } from './connectors-config';
import { ConnectorRegistry } from './connector-registry';
import type { ProviderAccount } from './connector-definition';
import { ConnectionRepository, type ConnectionRow, type ConnectionWithTokens } from './connection.repository';
import { OAuthGrantRefusedError, type TokenSet } from './oauth-client';

/** The provider no longer honours the connection's grant: the user has to connect again. */
export class ConnectionNeedsReauthorizationError extends Error {
  constructor(readonly provider: ConnectorProvider) {
    super(`The ${provider} connection needs to be authorized again (its grant was revoked or expired)`);
    this.name = 'ConnectionNeedsReauthorizationError';
  }
}

type RefreshOutcome = { token: string } | { reauthorize: true };

/**
 * Connections' tokens: sealed with the user's data key before they are stored (bound to the connection
 * and the field), handed out fresh (refreshed ahead of expiry, or when the API said 401), one refresh at
 * a time per connection across replicas (the row is locked while the provider is asked).
 */
@Injectable()
export class ConnectionTokens {
  private readonly logger = new Logger('ConnectionTokens');

  constructor(
    private readonly connections: ConnectionRepository,
    private readonly secrets: UserSecrets,
    private readonly registry: ConnectorRegistry,
    @InjectConfig() private readonly config: ConnectorsConfig,
  ) {}

  /** Keeps the tokens of a finished authorization; the same account connected again keeps its connection. */
  async store(
    userId: string,
    provider: ConnectorProvider,
    account: ProviderAccount,
    tokens: TokenSet,
    scopes: string[],
  ) {
    const id = await inTransaction(this.connections.pool, async (client) => {
      await lockKey(client, `agents:connection:${userId}:${provider}:${account.id}`);
      const existing = await this.connections.findIdByAccount(client, userId, provider, account.id);
      const connectionId = existing ?? randomUUID();
      const sealed = {
        accessToken: await this.seal(userId, connectionId, 'access_token', tokens.accessToken),
        refreshToken:
          tokens.refreshToken === null
            ? null
            : await this.seal(userId, connectionId, 'refresh_token', tokens.refreshToken),
        accessExpiresAt: tokens.expiresAt,
      };
      if (existing) {
        await this.connections.updateTokens(client, userId, connectionId, sealed, {
          accountLabel: account.label,
          scopes,
        });
      } else {
        await this.connections.insert(
          client,
          { id: connectionId, userId, provider, accountId: account.id, accountLabel: account.label, scopes },
          sealed,
        );
      }
      return connectionId;
    });
    const [row] = await this.connections.listByIds(userId, [id]);
    if (!row) throw new Error(`connection ${id} vanished as it was written`);
    return row;
  }

  /** A usable access token of the user's connection; `fresh` refreshes it whatever its expiry says (after a 401). */
  async accessToken(userId: string, connectionId: string, options: { fresh: boolean }): Promise<string> {
    const row = await this.connections.findWithTokens(userId, connectionId);
    if (!row) throw new DomainError(ErrorCode.NotFound, 'No such connection');
    if (row.status === 'needs_reauthorization') throw new ConnectionNeedsReauthorizationError(row.provider);
    const expiring =
      row.accessExpiresAt !== null &&
      row.accessExpiresAt.getTime() - Date.now() <= this.config.CONNECTORS_REFRESH_SKEW_MS;
    if (!options.fresh && !expiring) return this.open(row, 'access_token', row.accessToken);
    const outcome = await this.refresh(userId, connectionId, row.accessToken);
    if ('reauthorize' in outcome) throw new ConnectionNeedsReauthorizationError(row.provider);
    return outcome.token;
  }

  /** Both tokens in plain, for revoking them at the provider. */
  async plainTokens(
    row: ConnectionWithTokens,
  ): Promise<{ accessToken: string; refreshToken: string | null }> {
    return {
      accessToken: await this.open(row, 'access_token', row.accessToken),
      refreshToken:
        row.refreshToken === null ? null : await this.open(row, 'refresh_token', row.refreshToken),
    };
  }

  /**
   * Under the row's lock: if another caller refreshed since `seenAccessToken` was read, its token is used;
   * otherwise the refresh token is spent. A refusal (invalid_grant) or no refresh token at all marks the
   * connection for reauthorization, and that mark is kept.
   */
  private refresh(userId: string, connectionId: string, seenAccessToken: Buffer): Promise<RefreshOutcome> {
    return inTransaction(this.connections.pool, async (client): Promise<RefreshOutcome> => {
      const row = await this.connections.findWithTokens(userId, connectionId, client, { forUpdate: true });
      if (!row) throw new DomainError(ErrorCode.NotFound, 'No such connection');
      if (row.status === 'needs_reauthorization') return { reauthorize: true };
      if (!row.accessToken.equals(seenAccessToken))
        return { token: await this.open(row, 'access_token', row.accessToken) };
      const oauth = this.registry.get(row.provider).oauth;
      if (row.refreshToken === null || oauth === null) {
        await this.connections.markNeedsReauthorization(client, userId, connectionId);
        return { reauthorize: true };
      }
      let tokens: TokenSet;
      try {
        tokens = await oauth.refresh(await this.open(row, 'refresh_token', row.refreshToken));
      } catch (error) {
        if (!(error instanceof OAuthGrantRefusedError)) throw error;
        this.logger.warn(
          `the ${row.provider} refresh token of connection ${connectionId} was refused: ${error.oauthError}`,
        );
        await this.connections.markNeedsReauthorization(client, userId, connectionId);
        return { reauthorize: true };
      }
      await this.connections.updateTokens(client, userId, connectionId, {
        accessToken: await this.seal(userId, connectionId, 'access_token', tokens.accessToken),
        accessExpiresAt: tokens.expiresAt,
        // Providers that rotate refresh tokens send a new one; the others keep the old one valid.
        ...(tokens.refreshToken === null
          ? {}
          : { refreshToken: await this.seal(userId, connectionId, 'refresh_token', tokens.refreshToken) }),
      });
      return { token: tokens.accessToken };
    });
  }

  private seal(userId: string, connectionId: string, field: TokenField, token: string): Promise<Buffer> {
    return this.secrets.encrypt(userId, token, contextOf(connectionId, field));
  }

  private open(row: ConnectionRow, field: TokenField, sealed: Buffer): Promise<string> {
    return this.secrets.decrypt(row.userId, sealed, contextOf(row.id, field));
  }
}

type TokenField = 'access_token' | 'refresh_token';
const contextOf = (connectionId: string, field: TokenField) => `connection:${connectionId}:${field}`;
