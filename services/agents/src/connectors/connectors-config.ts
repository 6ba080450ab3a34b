import { z } from 'zod';
import { configFields } from '@conduit/service-kit';
import { isLoopbackHttp } from './loopback-url';

const optionalSecret = z.string().min(1).optional();

/** Connector settings: where users come back to, and each provider's client and endpoints. */
export const ConnectorsConfigSchema = z.object({
  /**
   * The redirect URI registered with the providers, `{provider}` standing for the provider's id. The page
   * there (the client app's, or the gateway's callback route) finishes the flow with the user's token.
   */
  CONNECTORS_REDIRECT_URL: z
    .string()
    .default('http://localhost:3000/api/v1/connectors/{provider}/callback')
    .pipe(z.url()),
  /** How long an authorization (its `state` and PKCE verifier) may take from start to callback. */
  CONNECTORS_STATE_TTL_MS: configFields.milliseconds(600_000),
  /** An access token this close to its expiry is refreshed before it is used. */
  CONNECTORS_REFRESH_SKEW_MS: configFields.milliseconds(60_000),
  /** Longest wait for one call to a provider (token endpoint or API). */
  CONNECTORS_HTTP_TIMEOUT_MS: configFields.milliseconds(15_000),

  CONNECTOR_GOOGLE_CLIENT_ID: optionalSecret,
  CONNECTOR_GOOGLE_CLIENT_SECRET: optionalSecret,
  CONNECTOR_GOOGLE_AUTHORIZATION_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
  CONNECTOR_GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
  CONNECTOR_GOOGLE_REVOCATION_URL: z.url().default('https://oauth2.googleapis.com/revoke'),
  CONNECTOR_GOOGLE_CALENDAR_API_BASE_URL: z.url().default('https://www.googleapis.com/calendar/v3'),

  CONNECTOR_GITHUB_CLIENT_ID: optionalSecret,
  CONNECTOR_GITHUB_CLIENT_SECRET: optionalSecret,
  /** Where `/login/oauth/authorize` and `/login/oauth/access_token` are (GitHub Enterprise: its host). */
  CONNECTOR_GITHUB_OAUTH_BASE_URL: z.url().default('https://github.com'),
  CONNECTOR_GITHUB_API_BASE_URL: z.url().default('https://api.github.com'),
});
export type ConnectorsConfig = z.output<typeof ConnectorsConfigSchema>;

const PROVIDER_URLS = [
  'CONNECTOR_GOOGLE_AUTHORIZATION_URL',
  'CONNECTOR_GOOGLE_TOKEN_URL',
  'CONNECTOR_GOOGLE_REVOCATION_URL',
  'CONNECTOR_GOOGLE_CALENDAR_API_BASE_URL',
  'CONNECTOR_GITHUB_OAUTH_BASE_URL',
  'CONNECTOR_GITHUB_API_BASE_URL',
] as const;

/** Client id and secret go together; tokens travel over https only (plain http to loopback for tests). */
export function checkConnectorsConfig(config: ConnectorsConfig, context: z.RefinementCtx): void {
  for (const name of PROVIDER_URLS) {
    if (!config[name].startsWith('https://') && !isLoopbackHttp(config[name])) {
      context.addIssue({
        code: 'custom',
        path: [name],
        message: 'must be https:// (http:// only for loopback)',
      });
    }
  }
  for (const provider of ['GOOGLE', 'GITHUB'] as const) {
    const id = config[`CONNECTOR_${provider}_CLIENT_ID`];
    const secret = config[`CONNECTOR_${provider}_CLIENT_SECRET`];
    if (!id !== !secret) {
      context.addIssue({
        code: 'custom',
        path: [`CONNECTOR_${provider}_CLIENT_SECRET`],
        message: `set CONNECTOR_${provider}_CLIENT_ID and CONNECTOR_${provider}_CLIENT_SECRET together`,
      });
    }
  }
}
