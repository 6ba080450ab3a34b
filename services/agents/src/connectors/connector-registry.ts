import {
  DomainError,
  ErrorCode,
  type ConnectorProvider,
  type ConnectorProviderInfo,
} from '@conduit/contracts';
import type { ConnectorsConfig } from './connectors-config';
import type { ConnectorDefinition } from './connector-definition';
import type { OAuthClient } from './oauth-client';
import { githubConnector } from './github.connector';
import { googleCalendarConnector } from './google-calendar.connector';

/** The providers users can connect; adding one is a definition and a line here. */
export class ConnectorRegistry {
  private readonly byId: ReadonlyMap<ConnectorProvider, ConnectorDefinition>;

  constructor(definitions: readonly ConnectorDefinition[]) {
    this.byId = new Map(definitions.map((definition) => [definition.id, definition]));
  }

  static fromConfig(config: ConnectorsConfig): ConnectorRegistry {
    return new ConnectorRegistry([googleCalendarConnector(config), githubConnector(config)]);
  }

  get(id: ConnectorProvider): ConnectorDefinition {
    const definition = this.byId.get(id);
    if (!definition) throw new DomainError(ErrorCode.NotFound, `No connector ${id}`);
    return definition;
  }

  /** The provider with its OAuth client, or NOT_FOUND when this deployment has no credentials for it. */
  configured(id: ConnectorProvider): ConnectorDefinition & { oauth: OAuthClient } {
    const definition = this.get(id);
    if (definition.oauth === null) {
      throw new DomainError(ErrorCode.NotFound, `The ${definition.name} connector is not configured here`);
    }
    return definition as ConnectorDefinition & { oauth: OAuthClient };
  }

  describe(): ConnectorProviderInfo[] {
    return [...this.byId.values()].map((definition) => ({
      id: definition.id,
      name: definition.name,
      configured: definition.oauth !== null,
      scopes: [...definition.scopes],
      tools: definition.tools.map((tool) => tool.name),
    }));
  }
}
