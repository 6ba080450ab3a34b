import { Injectable } from '@nestjs/common';
import { looksLikeApiKey } from './api-keys/api-key-format';
import { ApiKeyService } from './api-keys/api-key.service';
import type { Principal } from './principal';
import { AccessTokenStrategy } from './sessions/access-token.strategy';
import { unauthenticated } from './unauthenticated.error';

/**
 * Turns a bearer credential (an access token or an API key) into a {@link Principal}. The HTTP guard
 * and the WebSocket upgrade both call this, so every transport accepts exactly the same credentials.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly accessTokens: AccessTokenStrategy,
    private readonly apiKeys: ApiKeyService,
  ) {}

  /** Rejects with UNAUTHENTICATED, saying nothing about why, for anything that does not authenticate. */
  async authenticate(bearer: string | null | undefined): Promise<Principal> {
    if (!bearer) throw unauthenticated();
    const principal = looksLikeApiKey(bearer)
      ? await this.apiKeys.principalFor(bearer)
      : await this.accessTokens.principalFor(bearer);
    if (!principal) throw unauthenticated();
    return principal;
  }
}
