import type { z } from 'zod';
import type { ConnectorProvider } from '@conduit/contracts';
import type { OAuthClient } from './oauth-client';
import type { AccessTokenSource, ProviderApi } from './provider-api';

/** Who a token belongs to at the provider: a stable id and what to show. */
export interface ProviderAccount {
  readonly id: string;
  readonly label: string;
}

/** One tool a connection gives an agent; `run` gets the API with the connection's fresh token. */
export interface ConnectorToolSpec<Input = unknown> {
  /** Suffixed with the connection when an agent has two of the same provider. */
  readonly name: string;
  readonly description: string;
  readonly input: z.ZodType<Input>;
  run(input: Input, api: ProviderApi): Promise<unknown>;
}

export const defineConnectorTool = <Input>(spec: ConnectorToolSpec<Input>): ConnectorToolSpec =>
  spec as ConnectorToolSpec;

/** A third-party provider: its OAuth client (null when this deployment has no credentials) and its API. */
export interface ConnectorDefinition {
  readonly id: ConnectorProvider;
  readonly name: string;
  readonly scopes: readonly string[];
  /** Authorization request parameters of this provider (Google's `access_type=offline`). */
  readonly authorizationParams: Readonly<Record<string, string>>;
  readonly oauth: OAuthClient | null;
  readonly tools: readonly ConnectorToolSpec[];
  /** The provider's API, called with the token `token` hands out. */
  api(token: AccessTokenSource, signal?: AbortSignal): ProviderApi;
  account(api: ProviderApi): Promise<ProviderAccount>;
  /**
   * Revokes the grant at the provider; answers whether it did (false: the provider has no way to). Providers
   * with RFC 7009 revocation do it through their OAuth client, others (GitHub) through their API.
   */
  revoke(tokens: { accessToken: string; refreshToken: string | null }): Promise<boolean>;
}
