import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyCache } from './api-keys/api-key-cache.service';
import { ApiKeyRepository } from './api-keys/api-key.repository';
import { ApiKeyRevocations } from './api-keys/api-key-revocations';
import { ApiKeyService } from './api-keys/api-key.service';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { AuthenticationGuard } from './authentication.guard';
import { Authenticator } from './authenticator.service';
import { PasswordHasher } from './passwords/password-hasher.service';
import { AccessTokenService } from './sessions/access-token.service';
import { accessTokenSecretProvider } from './sessions/access-token-secret.provider';
import { AccessTokenStrategy } from './sessions/access-token.strategy';
import { RefreshTokenRepository } from './sessions/refresh-token.repository';
import { RefreshTokenPruner } from './sessions/refresh-token-pruner.service';
import { RefreshTokenService } from './sessions/refresh-token.service';
import { SessionController } from './sessions/session.controller';
import { SessionService } from './sessions/session.service';
import { SignInAttemptGuard } from './sign-in-protection/sign-in-attempt.guard';
import { SignInLimiter } from './sign-in-protection/sign-in-limiter.service';
import { MeController } from './users/me.controller';
import { UserRepository } from './users/user.repository';

/** Accounts, sessions and API keys, and the global guard that authenticates every non-public route. */
@Module({
  controllers: [SessionController, MeController, ApiKeysController],
  providers: [
    UserRepository,
    PasswordHasher,
    accessTokenSecretProvider,
    AccessTokenService,
    AccessTokenStrategy,
    RefreshTokenRepository,
    RefreshTokenService,
    RefreshTokenPruner,
    SessionService,
    SignInLimiter,
    SignInAttemptGuard,
    ApiKeyRepository,
    ApiKeyCache,
    ApiKeyRevocations,
    ApiKeyService,
    Authenticator,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
  ],
  exports: [Authenticator, ApiKeyRevocations],
})
export class IdentityModule {}
