import { Injectable, Logger } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  type AuthorizationStart,
  type Connection,
  type ConnectorList,
  type ConnectorProvider,
  type ParsedRequestOf,
  type AgentsConnectorsContract,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import { AuthorizationStateStore } from './authorization-state.store';
import type { ConnectorsConfig } from './connectors-config';
import { ConnectorRegistry } from './connector-registry';
import { ConnectionTokens } from './connection-tokens.service';
import { ConnectionRepository, type ConnectionRow } from './connection.repository';
import { OAuthClient, OAuthGrantRefusedError } from './oauth-client';
import { ProviderApiError } from './provider-api';

const STATE_REFUSED =
  'The authorization state is unknown, expired, already used, or was started by someone else: start again';

/** Starting and finishing authorizations, listing and removing a user's connections. */
@Injectable()
export class ConnectorsService {
  private readonly logger = new Logger('Connectors');

  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly states: AuthorizationStateStore,
    private readonly connections: ConnectionRepository,
    private readonly tokens: ConnectionTokens,
    @InjectConfig() private readonly config: ConnectorsConfig,
  ) {}

  async list(userId: string): Promise<ConnectorList> {
    return {
      providers: this.registry.describe(),
      connections: (await this.connections.list(userId)).map(connectionView),
    };
  }

  async authorize(userId: string, provider: ConnectorProvider): Promise<AuthorizationStart> {
    const connector = this.registry.configured(provider);
    const state = OAuthClient.newState();
    const codeVerifier = OAuthClient.newCodeVerifier();
    const redirectUri = this.config.CONNECTORS_REDIRECT_URL.replaceAll(
      encodeURIComponent('{provider}'),
      provider,
    ).replaceAll('{provider}', provider);
    await this.states.save(state, { userId, provider, codeVerifier, redirectUri });
    const authorizationUrl = await connector.oauth.authorizationUrl({
      redirectUri,
      scopes: connector.scopes,
      state,
      codeVerifier,
      extraParams: connector.authorizationParams,
    });
    return { authorizationUrl, state, expiresAt: new Date(Date.now() + this.states.ttlMs).toISOString() };
  }

  async complete(
    userId: string,
    callback: ParsedRequestOf<typeof AgentsConnectorsContract.completeAuthorization>,
  ): Promise<Connection> {
    const connector = this.registry.get(callback.provider);
    const pending = await this.states.take(callback.state);
    if (!pending || pending.userId !== userId || pending.provider !== callback.provider) {
      throw new DomainError(ErrorCode.ValidationFailed, STATE_REFUSED);
    }
    const oauth = this.registry.configured(callback.provider).oauth;
    const parameters = new URLSearchParams({ state: callback.state });
    if (callback.code !== undefined) parameters.set('code', callback.code);
    if (callback.error !== undefined) parameters.set('error', callback.error);
    if (callback.error_description !== undefined)
      parameters.set('error_description', callback.error_description);
    if (callback.error === undefined && callback.code === undefined) {
      throw new DomainError(ErrorCode.ValidationFailed, 'The callback carries neither code nor error');
    }
    let tokenSet;
    try {
      tokenSet = await oauth.exchangeCode({
        callback: parameters,
        state: callback.state,
        redirectUri: pending.redirectUri,
        codeVerifier: pending.codeVerifier,
      });
    } catch (error) {
      if (!(error instanceof OAuthGrantRefusedError)) throw error;
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `The provider refused the authorization code (${error.oauthError})`,
        {
          providerError: error.oauthError,
        },
      );
    }
    let account;
    try {
      account = await connector.account(connector.api(() => Promise.resolve(tokenSet.accessToken)));
    } catch (error) {
      throw new DomainError(
        error instanceof ProviderApiError ? ErrorCode.ProviderBadResponse : ErrorCode.ProviderUnavailable,
        `${connector.name} did not say whose account this is: ${(error as Error).message}`,
      );
    }
    const row = await this.tokens.store(
      userId,
      connector.id,
      account,
      tokenSet,
      tokenSet.scopes ?? [...connector.scopes],
    );
    return connectionView(row);
  }

  /** Revokes at the provider (best effort: a provider that is down does not keep the user connected). */
  async delete(
    userId: string,
    connectionId: string,
  ): Promise<{ connectionId: string; deleted: true; revokedAtProvider: boolean }> {
    const row = await this.connections.findWithTokens(userId, connectionId);
    if (!row) throw new DomainError(ErrorCode.NotFound, 'No such connection');
    let revokedAtProvider = false;
    try {
      revokedAtProvider = await this.registry.get(row.provider).revoke(await this.tokens.plainTokens(row));
    } catch (error) {
      this.logger.warn(
        `revoking connection ${connectionId} at ${row.provider} failed: ${(error as Error).message}`,
      );
    }
    if (!(await this.connections.delete(userId, connectionId))) {
      throw new DomainError(ErrorCode.NotFound, 'No such connection');
    }
    return { connectionId, deleted: true, revokedAtProvider };
  }
}

function connectionView(row: ConnectionRow): Connection {
  return {
    id: row.id,
    provider: row.provider,
    account: row.accountLabel,
    scopes: row.scopes,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
