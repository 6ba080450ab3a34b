import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@conduit/service-kit';
import { CryptoModule } from '../crypto/agents-secrets';
import { AuthorizationStateStore } from './authorization-state.store';
import type { ConnectorsConfig } from './connectors-config';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorTools } from './connector-tools';
import { ConnectionTokens } from './connection-tokens.service';
import { ConnectionRepository } from './connection.repository';
import { ConnectorsHandler } from './connectors.handler';
import { ConnectorsService } from './connectors.service';

/**
 * Third-party accounts (OAuth 2.0 with PKCE), their encrypted tokens, and their tools for agents
 * ({@link ConnectorTools}, a ToolSource). Needs DatabaseModule and RedisModule.
 */
@Module({
  imports: [CryptoModule],
  controllers: [ConnectorsHandler],
  providers: [
    {
      provide: ConnectorRegistry,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ConnectorsConfig) => ConnectorRegistry.fromConfig(config),
    },
    AuthorizationStateStore,
    ConnectionRepository,
    ConnectionTokens,
    ConnectorsService,
    ConnectorTools,
  ],
  exports: [ConnectorTools],
})
export class ConnectorsModule {}
