import { Injectable } from '@nestjs/common';
import type { User } from '../../generated/prisma/client';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { unauthenticated } from '../unauthenticated.error';
import { UserRepository } from '../users/user.repository';
import { toUserView } from '../users/user.schemas';
import { AccessTokenService } from './access-token.service';
import { RefreshTokenService } from './refresh-token.service';
import type { Credentials, Session } from './session.schemas';

/** Register, log in, refresh and log out: everything that hands out or takes back a session. */
@Injectable()
export class SessionService {
  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordHasher,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
  ) {}

  async register({ email, password }: Credentials): Promise<Session> {
    const user = await this.users.create(email, await this.passwords.hash(password));
    return this.sessionFor(user, await this.refreshTokens.startFamily(user.id));
  }

  async login({ email, password }: Credentials): Promise<Session> {
    const user = await this.users.findByEmail(email);
    const valid = user
      ? await this.passwords.verify(password, user.passwordHash)
      : await this.passwords.verifyAgainstDecoy(password);
    if (!user || !valid) throw unauthenticated();
    return this.sessionFor(user, await this.refreshTokens.startFamily(user.id));
  }

  async refresh(refreshToken: string): Promise<Session> {
    const rotated = await this.refreshTokens.rotate(refreshToken);
    const user = await this.users.findById(rotated.userId);
    if (!user) throw unauthenticated();
    return this.sessionFor(user, rotated.refreshToken);
  }

  logout(refreshToken: string): Promise<void> {
    return this.refreshTokens.revokeFamilyOf(refreshToken);
  }

  private sessionFor(user: User, refreshToken: string): Session {
    const access = this.accessTokens.issue(user);
    return {
      accessToken: access.token,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: access.expiresInSeconds,
      user: toUserView(user),
    };
  }
}
