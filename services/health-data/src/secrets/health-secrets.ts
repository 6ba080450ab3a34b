import { userSecretsFor } from '@conduit/envelope-crypto';

/** The health-data service's users' secrets (Garmin tokens), under HEALTH_MASTER_KEY and the like. */
const secrets = userSecretsFor({ envPrefix: 'HEALTH', name: 'health-data' });

export const MasterKeyConfigSchema = secrets.configSchema;
export const checkMasterKeyConfig = secrets.checkConfig;
export const SecretsModule = secrets.module;
