import { ModelPolicies } from './model-policy';

const defaults = { maxRetries: 1, maxRetryWaitMs: 5_000, cooldownAfterFailures: 3, cooldownMs: 10_000 };

describe('ModelPolicies', () => {
  it('applies per-model settings over the defaults and never lists a model as its own fallback', () => {
    const policies = ModelPolicies.parse(
      JSON.stringify({
        'openai/gpt-4o-mini': {
          maxRetries: 3,
          fallbacks: ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5'],
        },
      }),
      defaults,
    );
    expect(policies.for('openai/gpt-4o-mini')).toEqual({
      maxRetries: 3,
      fallbacks: ['anthropic/claude-haiku-4-5'],
    });
    expect(policies.for('openai/gpt-4o')).toEqual({ maxRetries: 1, fallbacks: [] });
    expect(policies.referencedModels()).toContain('anthropic/claude-haiku-4-5');
  });

  it('refuses bad JSON and bad shapes with a message naming the variable', () => {
    expect(() => ModelPolicies.parse('{', defaults)).toThrow(/CHAT_MODEL_POLICIES is not valid JSON/);
    expect(() => ModelPolicies.parse('{"gpt4":{}}', defaults)).toThrow(/CHAT_MODEL_POLICIES is invalid/);
    expect(() => ModelPolicies.parse('{"openai/x":{"retries":2}}', defaults)).toThrow(
      /CHAT_MODEL_POLICIES is invalid/,
    );
  });
});
