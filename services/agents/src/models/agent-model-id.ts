import { DomainError, ErrorCode, OFFLINE_AGENT_MODEL } from '@conduit/contracts';

/** The providers an agent's model may come from. */
export const AGENT_MODEL_PROVIDERS = ['openai', 'anthropic', 'offline'] as const;
export type AgentModelProvider = (typeof AGENT_MODEL_PROVIDERS)[number];

export interface AgentModelId {
  /** As the agent names it: `openai/gpt-4o-mini`. */
  id: string;
  provider: AgentModelProvider;
  /** As the provider names it: `gpt-4o-mini`. */
  name: string;
}

const isProvider = (value: string): value is AgentModelProvider =>
  (AGENT_MODEL_PROVIDERS as readonly string[]).includes(value);

/** Splits `provider/model`; UNKNOWN_MODEL for a provider this service has no adapter for. */
export function parseAgentModelId(id: string): AgentModelId {
  const slash = id.indexOf('/');
  const provider = id.slice(0, slash);
  const name = id.slice(slash + 1);
  if (slash <= 0 || !isProvider(provider) || name === '') {
    throw new DomainError(
      ErrorCode.UnknownModel,
      `Unknown model ${id}: agents run on ${AGENT_MODEL_PROVIDERS.map((p) => `${p}/...`).join(', ')}`,
      { model: id },
    );
  }
  if (provider === 'offline' && id !== OFFLINE_AGENT_MODEL) {
    throw new DomainError(
      ErrorCode.UnknownModel,
      `Unknown model ${id}: the offline model is ${OFFLINE_AGENT_MODEL}`,
      {
        model: id,
      },
    );
  }
  return { id, provider, name };
}
