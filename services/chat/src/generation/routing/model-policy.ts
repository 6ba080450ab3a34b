import { z } from 'zod';
import { ModelIdSchema } from '@conduit/contracts';

/** How hard to try one model, and where to go when it cannot answer. */
export interface ModelPolicy {
  /** Retries on the same model after the first attempt, for failures worth retrying. */
  maxRetries: number;
  /** Models to try next, in order, for failures another model may not have. */
  fallbacks: string[];
}

export interface RoutingDefaults {
  maxRetries: number;
  /** Longest `Retry-After` worth waiting for; a longer one moves on to the next model. */
  maxRetryWaitMs: number;
  cooldownAfterFailures: number;
  cooldownMs: number;
}

const PoliciesSchema = z.record(
  ModelIdSchema,
  z.strictObject({
    maxRetries: z.number().int().min(0).max(10).optional(),
    fallbacks: z.array(ModelIdSchema).max(10).optional(),
  }),
);

/** Per-model retry and fallback settings from `CHAT_MODEL_POLICIES` (JSON), over the defaults. */
export class ModelPolicies {
  private constructor(
    private readonly byModel: ReadonlyMap<string, Partial<ModelPolicy>>,
    readonly defaults: RoutingDefaults,
  ) {}

  static parse(json: string | undefined, defaults: RoutingDefaults): ModelPolicies {
    if (!json) return new ModelPolicies(new Map(), defaults);
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      throw new Error('CHAT_MODEL_POLICIES is not valid JSON');
    }
    const parsed = PoliciesSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`CHAT_MODEL_POLICIES is invalid: ${problems}`);
    }
    return new ModelPolicies(new Map(Object.entries(parsed.data)), defaults);
  }

  for(modelId: string): ModelPolicy {
    const configured = this.byModel.get(modelId);
    return {
      maxRetries: configured?.maxRetries ?? this.defaults.maxRetries,
      fallbacks: (configured?.fallbacks ?? []).filter((id) => id !== modelId),
    };
  }

  /** Every model a policy names, so start-up can check they exist. */
  referencedModels(): string[] {
    return [...this.byModel.entries()].flatMap(([id, policy]) => [id, ...(policy.fallbacks ?? [])]);
  }
}
