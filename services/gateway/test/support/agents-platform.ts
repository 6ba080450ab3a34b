import { migrateServiceSchema } from '@conduit/db';
import { startAgentsProcess as startAgents, type AgentsProcess } from '@conduit/testing';
import type { TestGateway } from './gateway-test-app';

export type { AgentsProcess };

/** The agents service as its own process beside a test gateway, on the gateway's namespace; `env` adds to it. */
export function startAgentsProcess(
  gateway: TestGateway,
  env: Record<string, string> = {},
): Promise<AgentsProcess> {
  return startAgents(
    gateway.config,
    { name: gateway.namespace.schemaFor('agents'), migrate: migrateServiceSchema },
    env,
  );
}
