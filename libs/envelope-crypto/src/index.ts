export { KEY_BYTES, open, seal, UnreadableCiphertextError } from './aes-gcm';
export { DataKeyRepository, type StoredDataKey } from './data-key.repository';
export { EnvKeyManagement } from './env-key-management';
export { KEY_MANAGEMENT, type KeyManagementPort, type WrappedDataKey } from './key-management.port';
export {
  insecureDevMasterKey,
  masterKeyConfigCheck,
  masterKeyConfigSchema,
  masterKeySettings,
  type MasterKey,
  type MasterKeyConfig,
  type MasterKeySettings,
  type MasterKeyShape,
} from './master-key-config';
export type { SecretsDomain } from './secrets-domain';
export { UserSecrets } from './user-secrets.service';
export { userSecretsFor, UserSecretsModule } from './user-secrets.module';
