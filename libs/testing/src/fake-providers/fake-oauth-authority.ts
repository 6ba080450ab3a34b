import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Someone who signs in at a fake provider. */
export interface FakeOAuthUser {
  readonly id: string;
  readonly login: string;
  readonly email: string;
}

export interface FakeOAuthAuthorityOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** null: access tokens never expire (GitHub OAuth apps). */
  readonly accessTokenTtlSeconds: number | null;
  readonly issueRefreshTokens: boolean;
  /** Issue a new refresh token on each refresh and invalidate the old one (GitHub's expiring tokens). */
  readonly rotateRefreshTokens: boolean;
  /** Google answers token errors with 400; GitHub with 200 and the error in the body. */
  readonly errorStatus: 200 | 400;
  /** The error codes this provider uses for a bad code and a bad refresh token. */
  readonly badCodeError: string;
  readonly badRefreshError: string;
  readonly tokenPrefix: string;
  /** How `scope` is written in token responses (space for RFC 6749 and Google, comma for GitHub). */
  readonly scopeSeparator: ' ' | ',';
  readonly tokenType: string;
}

interface IssuedCode {
  readonly user: FakeOAuthUser;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope: string;
  used: boolean;
}

interface IssuedToken {
  readonly user: FakeOAuthUser;
  readonly scope: string;
  expiresAt: number | null;
  revoked: boolean;
}

export interface FakeTokenAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * The authorization server part a fake provider shares: the authorization endpoint (signs in as
 * {@link signInAs}, approves at once), the token endpoint (authorization_code with PKCE S256 checked
 * against the challenge, refresh_token, client authentication by post or basic), revocation, and the
 * bearer check its API uses. Tests steer it: expire or revoke tokens, make the user decline.
 */
export class FakeOAuthAuthority {
  private readonly codes = new Map<string, IssuedCode>();
  private readonly accessTokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, IssuedToken>();
  private currentUser: FakeOAuthUser = { id: '1001', login: 'octo-alice', email: 'alice@example.test' };
  private declineNext = false;
  /** What the endpoints were asked, for assertions. */
  readonly counts = { authorizations: 0, codeGrants: 0, refreshGrants: 0, revocations: 0, rejectedGrants: 0 };
  /** The parameters of the latest authorization request. */
  lastAuthorization: URLSearchParams | null = null;

  constructor(readonly options: FakeOAuthAuthorityOptions) {}

  /** Who the next authorizations sign in as. */
  signInAs(user: FakeOAuthUser): void {
    this.currentUser = user;
  }

  /** The next authorization ends with `error=access_denied`, as when the user clicks Cancel. */
  declineNextAuthorization(): void {
    this.declineNext = true;
  }

  /** Every access token issued so far is past its expiry (refresh tokens still work). */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.values()) token.expiresAt = Date.now() - 1_000;
  }

  /** Revokes every token of a user, as when they remove the app in the provider's settings. */
  revokeUser(user: FakeOAuthUser): void {
    for (const token of [...this.accessTokens.values(), ...this.refreshTokens.values()]) {
      if (token.user.id === user.id) token.revoked = true;
    }
  }

  /** Whether a token (access or refresh) is still good. */
  isLive(token: string): boolean {
    const issued = this.accessTokens.get(token) ?? this.refreshTokens.get(token);
    return (
      issued !== undefined && !issued.revoked && (issued.expiresAt === null || issued.expiresAt > Date.now())
    );
  }

  /** How many of a user's tokens (access and refresh) are still good. */
  liveTokensOf(user: FakeOAuthUser): number {
    return [...this.accessTokens, ...this.refreshTokens].filter(
      ([token, issued]) => issued.user.id === user.id && this.isLive(token),
    ).length;
  }

  /** Every token issued so far, access and refresh, as strings (to look for them where they must not be). */
  issuedTokens(): string[] {
    return [...this.accessTokens.keys(), ...this.refreshTokens.keys()];
  }

  /** GET of the authorization endpoint: a 302 back to the client with `code` and `state`, or a 400 page. */
  authorize(url: URL): { status: number; location?: string; text?: string } {
    this.counts.authorizations += 1;
    const params = url.searchParams;
    this.lastAuthorization = params;
    const redirectUri = params.get('redirect_uri');
    if (params.get('client_id') !== this.options.clientId || !redirectUri) {
      return { status: 400, text: 'invalid client or redirect_uri' };
    }
    const back = new URL(redirectUri);
    const state = params.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const challenge = params.get('code_challenge');
    if (
      params.get('response_type') !== 'code' ||
      params.get('code_challenge_method') !== 'S256' ||
      !challenge
    ) {
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'PKCE S256 is required');
      return { status: 302, location: back.href };
    }
    if (this.declineNext) {
      this.declineNext = false;
      back.searchParams.set('error', 'access_denied');
      return { status: 302, location: back.href };
    }
    const code = `code_${randomBytes(12).toString('hex')}`;
    this.codes.set(code, {
      user: this.currentUser,
      clientId: this.options.clientId,
      redirectUri,
      codeChallenge: challenge,
      scope: params.get('scope') ?? '',
      used: false,
    });
    back.searchParams.set('code', code);
    return { status: 302, location: back.href };
  }

  /** POST of the token endpoint. */
  token(form: URLSearchParams, authorization: string | undefined): FakeTokenAnswer {
    if (!this.clientAuthenticated(form, authorization)) {
      return this.error('invalid_client', 'Client authentication failed', 401);
    }
    switch (form.get('grant_type')) {
      case 'authorization_code':
        return this.codeGrant(form);
      case 'refresh_token':
        return this.refreshGrant(form);
      default:
        return this.error('unsupported_grant_type', 'Unsupported grant type');
    }
  }

  /** RFC 7009: answers 200 also for unknown tokens; revoking a refresh token ends its grant's access tokens. */
  revoke(form: URLSearchParams): FakeTokenAnswer {
    this.counts.revocations += 1;
    const token = form.get('token');
    if (!token)
      return { status: 400, body: { error: 'invalid_request', error_description: 'token is required' } };
    this.revokeGrantOf(token);
    return { status: 200, body: {} };
  }

  /** Revokes the grant a token belongs to (all of that user's tokens here). Whether the token was known. */
  revokeGrantOf(token: string): boolean {
    const issued = this.accessTokens.get(token) ?? this.refreshTokens.get(token);
    if (!issued) return false;
    this.revokeUser(issued.user);
    return true;
  }

  /** The user of a live bearer token, or null (unknown, expired or revoked: the API answers 401). */
  bearer(authorization: string | undefined): FakeOAuthUser | null {
    const match = /^Bearer (.+)$/i.exec(authorization ?? '');
    if (!match) return null;
    const issued = this.accessTokens.get(match[1]!);
    if (!issued || issued.revoked || (issued.expiresAt !== null && issued.expiresAt <= Date.now()))
      return null;
    return issued.user;
  }

  clientSecretMatches(clientId: string, secret: string): boolean {
    return clientId === this.options.clientId && secret === this.options.clientSecret;
  }

  private codeGrant(form: URLSearchParams): FakeTokenAnswer {
    this.counts.codeGrants += 1;
    const issued = this.codes.get(form.get('code') ?? '');
    if (!issued || issued.used)
      return this.refused(this.options.badCodeError, 'The code passed is incorrect or expired.');
    issued.used = true;
    if (form.get('redirect_uri') !== issued.redirectUri) {
      return this.refused(
        this.options.badCodeError,
        'The redirect_uri does not match the authorization request.',
      );
    }
    const verifier = form.get('code_verifier');
    if (!verifier || createHash('sha256').update(verifier).digest('base64url') !== issued.codeChallenge) {
      return this.refused('invalid_grant', 'The code_verifier does not match the code_challenge.');
    }
    return { status: 200, body: this.issue(issued.user, issued.scope, this.options.issueRefreshTokens) };
  }

  private refreshGrant(form: URLSearchParams): FakeTokenAnswer {
    this.counts.refreshGrants += 1;
    const token = form.get('refresh_token') ?? '';
    const issued = this.refreshTokens.get(token);
    if (!issued || issued.revoked)
      return this.refused(this.options.badRefreshError, 'The refresh token is invalid or revoked.');
    if (this.options.rotateRefreshTokens) issued.revoked = true;
    return { status: 200, body: this.issue(issued.user, issued.scope, this.options.rotateRefreshTokens) };
  }

  private issue(user: FakeOAuthUser, scope: string, withRefresh: boolean): Record<string, unknown> {
    const accessToken = `${this.options.tokenPrefix}a_${randomBytes(16).toString('hex')}`;
    const ttl = this.options.accessTokenTtlSeconds;
    this.accessTokens.set(accessToken, {
      user,
      scope,
      expiresAt: ttl === null ? null : Date.now() + ttl * 1000,
      revoked: false,
    });
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: this.options.tokenType,
      scope: scope.split(' ').filter(Boolean).join(this.options.scopeSeparator),
    };
    if (ttl !== null) body['expires_in'] = ttl;
    if (withRefresh) {
      const refreshToken = `${this.options.tokenPrefix}r_${randomBytes(16).toString('hex')}`;
      this.refreshTokens.set(refreshToken, { user, scope, expiresAt: null, revoked: false });
      body['refresh_token'] = refreshToken;
    }
    return body;
  }

  private clientAuthenticated(form: URLSearchParams, authorization: string | undefined): boolean {
    const basic = /^Basic (.+)$/i.exec(authorization ?? '');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString().split(':');
      return this.clientSecretMatches(decodeURIComponent(id ?? ''), decodeURIComponent(secret ?? ''));
    }
    return this.clientSecretMatches(form.get('client_id') ?? '', form.get('client_secret') ?? '');
  }

  private refused(error: string, description: string): FakeTokenAnswer {
    this.counts.rejectedGrants += 1;
    return this.error(error, description);
  }

  private error(error: string, description: string, status?: number): FakeTokenAnswer {
    return { status: status ?? this.options.errorStatus, body: { error, error_description: description } };
  }
}

/** The request body as text (bounded: a fake never needs more than a megabyte). */
export async function readRequestText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new Error('request body too large for a fake');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
