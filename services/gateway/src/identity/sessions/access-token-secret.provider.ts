import { Logger, Provider } from '@nestjs/common';
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { SERVICE_CONFIG } from '@conduit/service-kit';
import type { GatewayConfig } from '../../config';

export const ACCESS_TOKEN_SECRET = Symbol('access-token-secret');

/**
 * JWT_SECRET, or a per-process random secret so a development gateway starts without one. Handed out as
 * a KeyObject: given a string, jsonwebtoken first tries it as a public key on every call (about 1 ms).
 */
export const accessTokenSecretProvider: Provider = {
  provide: ACCESS_TOKEN_SECRET,
  inject: [SERVICE_CONFIG],
  useFactory: (config: GatewayConfig): KeyObject => {
    if (config.JWT_SECRET) return createSecretKey(Buffer.from(config.JWT_SECRET));
    new Logger('AccessTokens').warn(
      'JWT_SECRET is not set: using a random secret. Access tokens stop working when this process restarts ' +
        'and are not accepted by other gateway replicas. Set JWT_SECRET in production.',
    );
    return createSecretKey(randomBytes(48));
  },
};
