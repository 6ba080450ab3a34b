import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../../config';
import type { Principal } from '../principal';
import { ACCESS_TOKEN_SECRET } from './access-token-secret.provider';
import { ACCESS_TOKEN_ALGORITHM, AccessTokenClaims } from './access-token-claims';
import { runPassportStrategy } from './run-passport-strategy';

/** Checks access tokens with passport-jwt: HS256 only, our issuer, not expired. */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, 'access-token') {
  constructor(@InjectConfig() config: GatewayConfig, @Inject(ACCESS_TOKEN_SECRET) secret: KeyObject) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // jsonwebtoken accepts a KeyObject; passport-jwt's types predate that.
      secretOrKey: secret as unknown as string,
      issuer: config.JWT_ISSUER,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
    });
  }

  /** The principal a token proves, or null for any invalid, expired or foreign token. */
  principalFor(token: string): Promise<Principal | null> {
    return runPassportStrategy<Principal>(this, { headers: { authorization: `Bearer ${token}` } });
  }

  validate(claims: Partial<AccessTokenClaims> & { exp?: number }): Principal | false {
    if (typeof claims.sub !== 'string' || typeof claims.email !== 'string') return false;
    const principal: Principal = { userId: claims.sub, apiKeyId: null, email: claims.email };
    if (typeof claims.exp === 'number') principal.expiresAt = claims.exp * 1000;
    return principal;
  }
}
