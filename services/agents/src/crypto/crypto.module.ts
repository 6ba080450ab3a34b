import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { SERVICE_CONFIG } from '@conduit/service-kit';
import { DataKeyRepository } from './data-key.repository';
import { EnvKeyManagement } from './env-key-management';
import { KEY_MANAGEMENT, type KeyManagementPort } from './key-management.port';
import type { MasterKeyConfig } from './master-key-config';
import { UserSecrets } from './user-secrets.service';

function keyManagementFor(config: MasterKeyConfig): KeyManagementPort {
  switch (config.AGENTS_KEY_MANAGEMENT) {
    case 'env': {
      const keys = EnvKeyManagement.fromConfig(config);
      if (keys.usesInsecureDevelopmentKey) {
        new Logger('UserSecrets').warn(
          "AGENTS_INSECURE_DEV_MASTER_KEY: users' secrets are encrypted with a publicly known development key. " +
            'Set AGENTS_MASTER_KEY anywhere real accounts are connected.',
        );
      }
      return keys;
    }
  }
}

/** Envelope encryption of users' secrets ({@link UserSecrets}); needs DatabaseModule for the data keys. */
@Module({
  providers: [
    { provide: KEY_MANAGEMENT, inject: [SERVICE_CONFIG], useFactory: keyManagementFor },
    DataKeyRepository,
    {
      provide: UserSecrets,
      inject: [KEY_MANAGEMENT, DataKeyRepository],
      useFactory: (keys: KeyManagementPort, dataKeys: DataKeyRepository) => new UserSecrets(keys, dataKeys),
    },
  ],
  exports: [UserSecrets],
})
export class CryptoModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('UserSecrets');

  constructor(@Inject(UserSecrets) private readonly secrets: UserSecrets) {}

  /** Finishes a master key rotation in the background: data keys wrapped by a retired key are rewrapped. */
  onApplicationBootstrap(): void {
    this.secrets.rewrapRetired().then(
      (count) => {
        if (count > 0) this.logger.log(`rewrapped ${count} data keys with the current master key`);
      },
      (error: unknown) => this.logger.error(`rewrapping data keys failed: ${(error as Error).message}`),
    );
  }
}
