import { z } from 'zod';
import { defineRequest } from './definitions';
import { ErrorCode } from './errors';

/**
 * Connectors: third-party accounts a user links to the agents service (OAuth 2.0 authorization code with
 * PKCE), whose tools the user's agents may then call with the user's own access. Tokens never leave the
 * agents service; every request is answered for the envelope's user only.
 */

export const CONNECTOR_PROVIDERS = ['google-calendar', 'github'] as const;
export const ConnectorProviderSchema = z.enum(CONNECTOR_PROVIDERS);
export type ConnectorProvider = z.infer<typeof ConnectorProviderSchema>;

export const ConnectorProviderInfoSchema = z.object({
  id: ConnectorProviderSchema,
  name: z.string(),
  /** Whether this deployment has client credentials for it; only configured providers can be connected. */
  configured: z.boolean(),
  /** What is asked of the user's account. */
  scopes: z.array(z.string()),
  /** The tools an agent gets for a connection of this provider. */
  tools: z.array(z.string()),
});
export type ConnectorProviderInfo = z.infer<typeof ConnectorProviderInfoSchema>;

export const ConnectionSchema = z.object({
  id: z.uuid(),
  provider: ConnectorProviderSchema,
  /** The account at the provider: a GitHub login, a Google account's address. */
  account: z.string(),
  /** What the provider granted (may be less than was asked). */
  scopes: z.array(z.string()),
  /** `needs_reauthorization`: the provider refused the refresh token (revoked, expired); connect again. */
  status: z.enum(['active', 'needs_reauthorization']),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const ConnectorListSchema = z.object({
  providers: z.array(ConnectorProviderInfoSchema),
  /** The user's connections, newest first. */
  connections: z.array(ConnectionSchema),
});
export type ConnectorList = z.infer<typeof ConnectorListSchema>;

export const ConnectorRefSchema = z.strictObject({ provider: ConnectorProviderSchema });

export const AuthorizationStartSchema = z.object({
  /** Send the user's browser here; the provider sends it back to the redirect URL with `code` and `state`. */
  authorizationUrl: z.string(),
  state: z.string(),
  expiresAt: z.iso.datetime(),
});
export type AuthorizationStart = z.infer<typeof AuthorizationStartSchema>;

/**
 * What the provider's redirect carried: `code` and `state`, or `error` (the user declined). Other parameters
 * providers add (Google's `scope`, `authuser`, `prompt`) are ignored.
 */
export const AuthorizationCallbackQuerySchema = z.object({
  state: z.string().min(1).max(512),
  code: z.string().min(1).max(2048).optional(),
  error: z.string().min(1).max(256).optional(),
  error_description: z.string().max(2048).optional(),
});
export type AuthorizationCallbackQuery = z.infer<typeof AuthorizationCallbackQuerySchema>;

export const CompleteAuthorizationSchema = AuthorizationCallbackQuerySchema.extend({
  provider: ConnectorProviderSchema,
});

export const ConnectionRefSchema = z.strictObject({ connectionId: z.uuid() });

export const AgentsConnectorsContract = {
  listConnectors: defineRequest({
    subject: 'agents.connector.list',
    request: z.strictObject({}),
    response: ConnectorListSchema,
  }),
  /** A new single-use `state` bound to the user, and the provider's authorization URL with its PKCE challenge. */
  authorize: defineRequest({
    subject: 'agents.connector.authorize',
    request: ConnectorRefSchema,
    response: AuthorizationStartSchema,
    errors: [ErrorCode.NotFound, ErrorCode.ServiceUnavailable],
  }),
  /**
   * Finishes the flow: the state must be the caller's, unused and unexpired, for that provider; the code is
   * exchanged (with the PKCE verifier) and the tokens kept encrypted. Connecting the same account again
   * replaces its tokens.
   */
  completeAuthorization: defineRequest({
    subject: 'agents.connector.complete',
    request: CompleteAuthorizationSchema,
    response: ConnectionSchema,
    errors: [
      ErrorCode.NotFound,
      ErrorCode.ServiceUnavailable,
      ErrorCode.ProviderUnavailable,
      ErrorCode.ProviderBadResponse,
    ],
  }),
  /** Revokes the grant at the provider where it can be, and deletes the connection and its tokens. */
  deleteConnection: defineRequest({
    subject: 'agents.connection.delete',
    request: ConnectionRefSchema,
    response: z.object({ connectionId: z.uuid(), deleted: z.literal(true), revokedAtProvider: z.boolean() }),
    errors: [ErrorCode.NotFound],
  }),
} as const;
