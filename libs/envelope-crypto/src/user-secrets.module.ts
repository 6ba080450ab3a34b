import { Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { SERVICE_CONFIG } from '@conduit/service-kit';
import { DataKeyRepository } from './data-key.repository';
import { EnvKeyManagement } from './env-key-management';
import { KEY_MANAGEMENT, type KeyManagementPort } from './key-management.port';
import {
  masterKeyConfigCheck,
  masterKeyConfigSchema,
  masterKeySettings,
  type MasterKeyConfig,
} from './master-key-config';
import type { SecretsDomain } from './secrets-domain';
import { UserSecrets } from './user-secrets.service';

function keyManagementFor(domain: SecretsDomain, config: MasterKeyConfig<string>): KeyManagementPort {
  const settings = masterKeySettings(domain.envPrefix, config);
  switch (settings.keyManagement) {
    case 'env': {
      const keys = EnvKeyManagement.fromConfig(domain, settings);
      if (keys.usesInsecureDevelopmentKey) {
        new Logger('UserSecrets').warn(
          `${domain.envPrefix}_INSECURE_DEV_MASTER_KEY: users' secrets are encrypted with a publicly known development key. ` +
            `Set ${domain.envPrefix}_MASTER_KEY anywhere real accounts are connected.`,
        );
      }
      return keys;
    }
  }
}

/**
 * Envelope encryption of users' secrets ({@link UserSecrets}) for one service: its master key variables
 * are read from its config (`<envPrefix>_MASTER_KEY`, ...); needs DatabaseModule, and the service's schema
 * the `user_data_keys` table. Finishes a master key rotation in the background at start-up.
 */
@Module({})
export class UserSecretsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('UserSecrets');

  constructor(@Inject(UserSecrets) private readonly secrets: UserSecrets) {}

  static register(domain: SecretsDomain): DynamicModule {
    return {
      module: UserSecretsModule,
      providers: [
        {
          provide: KEY_MANAGEMENT,
          inject: [SERVICE_CONFIG],
          useFactory: (config: MasterKeyConfig<string>) => keyManagementFor(domain, config),
        },
        DataKeyRepository,
        {
          provide: UserSecrets,
          inject: [KEY_MANAGEMENT, DataKeyRepository],
          useFactory: (keys: KeyManagementPort, dataKeys: DataKeyRepository) =>
            new UserSecrets(keys, dataKeys, domain),
        },
      ],
      exports: [UserSecrets],
    };
  }

  /** Data keys wrapped by a retired master key are rewrapped with the current one. */
  onApplicationBootstrap(): void {
    this.secrets.rewrapRetired().then(
      (count) => {
        if (count > 0) this.logger.log(`rewrapped ${count} data keys with the current master key`);
      },
      (error: unknown) => this.logger.error(`rewrapping data keys failed: ${(error as Error).message}`),
    );
  }
}

/**
 * What a service needs for its users' secrets: its config schema fields, the start-up check to refine its
 * config with, and the module (make it once per service, so its start-up rewrap runs once).
 */
export function userSecretsFor<P extends string>(domain: SecretsDomain & { envPrefix: P }) {
  return {
    configSchema: masterKeyConfigSchema(domain.envPrefix),
    checkConfig: masterKeyConfigCheck(domain.envPrefix),
    module: UserSecretsModule.register(domain),
  };
}
