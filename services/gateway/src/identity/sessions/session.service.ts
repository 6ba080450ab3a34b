import { Injectable } from '@nestjs/common';
import type { User } from '../../generated/prisma/client';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { SignInLimiter } from '../sign-in-protection/sign-in-limiter.service';
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
    private readonly signInLimiter: SignInLimiter,
  ) {}

  async register({ email, password }: Credentials): Promise<Session> {
    const user = await this.users.create(email, await this.passwords.hash(password));
    return this.sessionFor(user, await this.refreshTokens.startFamily(user.id));
  }

  /** `ip` is the client's address, which the sign-in limits count by. */
  async login({ email, password }: Credentials, ip: string): Promise<Session> {
    // Refused before the password is checked: a blocked guesser costs no hash and learns nothing.
    await this.signInLimiter.assertMayTry(ip, email);
    const user = await this.users.findByEmail(email);
    const valid = user
      ? await this.passwords.verify(password, user.passwordHash)
      : await this.passwords.verifyAgainstDecoy(password);
    if (!user || !valid) {
      await this.signInLimiter.recordFailure(ip, email);
      throw unauthenticated();
    }
    await this.signInLimiter.recordSuccess(ip, email);
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
