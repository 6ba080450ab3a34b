import { userSecretsFor } from '@conduit/envelope-crypto';

/** The agents service's users' secrets, under AGENTS_MASTER_KEY and the like (README, Configuration). */
const secrets = userSecretsFor({ envPrefix: 'AGENTS', name: 'agents' });

export const MasterKeyConfigSchema = secrets.configSchema;
export const checkMasterKeyConfig = secrets.checkConfig;
export const CryptoModule = secrets.module;
