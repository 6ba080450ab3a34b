import { DomainError, ErrorCode } from '@conduit/contracts';
import { isLoopbackHttp } from './loopback-url';
import { oauth, type OAuth } from './oauth4webapi';

/** One provider's OAuth 2.0 endpoints and this deployment's client there. */
export interface OAuthClientSettings {
  readonly issuer: string;
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  /** RFC 7009 token revocation, where the provider has it. */
  readonly revocationUrl?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** How the client authenticates at the token endpoint. */
  readonly clientAuth: 'post' | 'basic';
  readonly timeoutMs: number;
}

export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string | null;
  /** null: the provider said nothing (GitHub OAuth app tokens do not expire). */
  readonly expiresAt: Date | null;
  readonly scopes: string[] | null;
}

/** The provider refused a grant (`invalid_grant`: a code or refresh token that is used, expired or revoked). */
export class OAuthGrantRefusedError extends Error {
  constructor(readonly oauthError: string) {
    super(`the provider refused the grant: ${oauthError}`);
    this.name = 'OAuthGrantRefusedError';
  }
}

/**
 * The authorization code flow with PKCE (S256), the refresh token grant and RFC 7009 revocation, through
 * oauth4webapi: the protocol's checks (response shapes, token types, error bodies) are the library's.
 */
export class OAuthClient {
  private readonly as: OAuth.AuthorizationServer;
  private readonly client: OAuth.Client;
  private readonly auth: OAuth.ClientAuth;

  constructor(private readonly settings: OAuthClientSettings) {
    this.as = {
      issuer: settings.issuer,
      authorization_endpoint: settings.authorizationUrl,
      token_endpoint: settings.tokenUrl,
      ...(settings.revocationUrl ? { revocation_endpoint: settings.revocationUrl } : {}),
    };
    this.client = { client_id: settings.clientId };
    this.auth =
      settings.clientAuth === 'basic'
        ? oauth.ClientSecretBasic(settings.clientSecret)
        : oauth.ClientSecretPost(settings.clientSecret);
  }

  get canRevoke(): boolean {
    return this.settings.revocationUrl !== undefined;
  }

  static newCodeVerifier(): string {
    return oauth.generateRandomCodeVerifier();
  }

  static newState(): string {
    return oauth.generateRandomState();
  }

  async authorizationUrl(input: {
    redirectUri: string;
    scopes: readonly string[];
    state: string;
    codeVerifier: string;
    extraParams: Readonly<Record<string, string>>;
  }): Promise<string> {
    const url = new URL(this.settings.authorizationUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.settings.clientId);
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('scope', input.scopes.join(' '));
    url.searchParams.set('state', input.state);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(input.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    for (const [name, value] of Object.entries(input.extraParams)) url.searchParams.set(name, value);
    return url.href;
  }

  /** Exchanges the callback's code; `state` is the one the caller already checked against its store. */
  async exchangeCode(input: {
    callback: URLSearchParams;
    state: string;
    redirectUri: string;
    codeVerifier: string;
  }): Promise<TokenSet> {
    return this.call(async (options) => {
      const parameters = oauth.validateAuthResponse(this.as, this.client, input.callback, input.state);
      const response = await oauth.authorizationCodeGrantRequest(
        this.as,
        this.client,
        this.auth,
        parameters,
        input.redirectUri,
        input.codeVerifier,
        options,
      );
      return tokenSet(await oauth.processAuthorizationCodeResponse(this.as, this.client, response));
    });
  }

  refresh(refreshToken: string): Promise<TokenSet> {
    return this.call(async (options) => {
      const response = await oauth.refreshTokenGrantRequest(
        this.as,
        this.client,
        this.auth,
        refreshToken,
        options,
      );
      return tokenSet(await oauth.processRefreshTokenResponse(this.as, this.client, response));
    });
  }

  /** RFC 7009; a provider answers 200 also for tokens it no longer knows. */
  revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
    return this.call(async (options) => {
      const response = await oauth.revocationRequest(this.as, this.client, this.auth, token, {
        ...options,
        additionalParameters: { token_type_hint: hint },
      });
      await oauth.processRevocationResponse(response);
    });
  }

  /** Runs one exchange with a timeout, plain HTTP only to loopback, and the library's errors made typed. */
  private async call<T>(
    work: (options: OAuth.HttpRequestOptions<'POST', URLSearchParams>) => Promise<T>,
  ): Promise<T> {
    const options: OAuth.HttpRequestOptions<'POST', URLSearchParams> = {
      signal: AbortSignal.timeout(this.settings.timeoutMs),
      ...(isLoopbackHttp(this.settings.tokenUrl) ? { [oauth.allowInsecureRequests]: true } : {}),
    };
    try {
      return await work(options);
    } catch (error) {
      throw describeOAuthFailure(error);
    }
  }
}

function tokenSet(response: OAuth.TokenEndpointResponse): TokenSet {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? null,
    expiresAt: response.expires_in === undefined ? null : new Date(Date.now() + response.expires_in * 1000),
    // RFC 6749 says space-separated; GitHub answers with commas.
    scopes:
      response.scope === undefined ? null : response.scope.split(/[\s,]+/).filter((scope) => scope !== ''),
  };
}

const GRANT_ERRORS = new Set([
  'invalid_grant',
  'bad_verification_code',
  'bad_refresh_token',
  'incorrect_client_credentials',
]);

/** The OAuth error code of a failed exchange: the error body's, even when it came with a 200 (GitHub). */
export function oauthErrorOf(error: unknown): string | null {
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError)
    return error.error;
  if (error instanceof oauth.OperationProcessingError) {
    const body = (error.cause as { body?: { error?: unknown } } | undefined)?.body;
    if (typeof body?.error === 'string') return body.error;
  }
  return null;
}

function describeOAuthFailure(error: unknown): Error {
  if (error instanceof DomainError || error instanceof OAuthGrantRefusedError) return error;
  const oauthError = oauthErrorOf(error);
  if (error instanceof oauth.AuthorizationResponseError) {
    return new DomainError(ErrorCode.ValidationFailed, `The provider did not authorize: ${error.error}`, {
      providerError: error.error,
      ...(error.error_description ? { description: error.error_description } : {}),
    });
  }
  if (oauthError !== null && GRANT_ERRORS.has(oauthError)) return new OAuthGrantRefusedError(oauthError);
  if (oauthError !== null) {
    return new DomainError(ErrorCode.ProviderBadResponse, `The provider refused the request: ${oauthError}`, {
      providerError: oauthError,
    });
  }
  if (error instanceof oauth.OperationProcessingError) {
    return new DomainError(
      ErrorCode.ProviderBadResponse,
      `The provider's answer was not usable: ${error.message}`,
    );
  }
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new DomainError(ErrorCode.ProviderUnavailable, 'The provider did not answer in time');
  }
  return new DomainError(
    ErrorCode.ProviderUnavailable,
    `The provider could not be reached: ${(error as Error).message}`,
  );
}
