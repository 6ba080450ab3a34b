import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../../config';
import { ACCESS_TOKEN_SECRET } from './access-token-secret.provider';
import { ACCESS_TOKEN_ALGORITHM, AccessTokenClaims } from './access-token-claims';

export interface IssuedAccessToken {
  token: string;
  expiresInSeconds: number;
}

/** Issues the short-lived JWTs that {@link AccessTokenStrategy} checks. */
@Injectable()
export class AccessTokenService {
  constructor(
    @InjectConfig() private readonly config: GatewayConfig,
    @Inject(ACCESS_TOKEN_SECRET) private readonly secret: KeyObject,
  ) {}

  issue(user: { id: string; email: string }): IssuedAccessToken {
    const expiresInSeconds = this.config.ACCESS_TOKEN_TTL_SECONDS;
    const claims: Omit<AccessTokenClaims, 'sub'> = { email: user.email };
    const token = sign(claims, this.secret, {
      algorithm: ACCESS_TOKEN_ALGORITHM,
      issuer: this.config.JWT_ISSUER,
      subject: user.id,
      expiresIn: expiresInSeconds,
    });
    return { token, expiresInSeconds };
  }
}
