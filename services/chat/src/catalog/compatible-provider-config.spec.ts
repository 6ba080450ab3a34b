import { parseCompatibleProviders } from './compatible-provider-config';

const myllm = {
  id: 'myllm',
  baseUrl: 'http://10.0.0.5:8000/v1',
  apiKeyEnv: 'MYLLM_KEY',
  models: [
    {
      name: 'qwen/qwen2.5-32b',
      contextWindow: 32_768,
      maxOutputTokens: 4_096,
      pricing: { inputPerMTokUsd: 0.1, outputPerMTokUsd: 0.3 },
    },
  ],
};

describe('parseCompatibleProviders', () => {
  it('reads providers and their models, looking the key up by its variable name', () => {
    const [provider] = parseCompatibleProviders(JSON.stringify([myllm]), { MYLLM_KEY: 'secret' });

    expect(provider).toEqual({
      id: 'myllm',
      baseUrl: 'http://10.0.0.5:8000/v1',
      apiKey: 'secret',
      apiKeyEnv: 'MYLLM_KEY',
      models: [
        {
          id: 'myllm/qwen/qwen2.5-32b',
          provider: 'myllm',
          name: 'qwen/qwen2.5-32b',
          contextWindow: 32_768,
          maxOutputTokens: 4_096,
          // Cached input defaults to the input price; capabilities to streaming only.
          pricing: { inputPerMTokUsd: 0.1, outputPerMTokUsd: 0.3, cachedInputPerMTokUsd: 0.1 },
          capabilities: ['streaming'],
        },
      ],
    });
  });

  it('leaves the key undefined when its variable is not set, and prices a model without pricing at zero', () => {
    const local = {
      id: 'local',
      baseUrl: 'http://127.0.0.1:8080/v1',
      models: [{ name: 'x', displayName: 'Local X', contextWindow: 8_192, maxOutputTokens: 1_024 }],
    };
    const [withEnv, keyless] = parseCompatibleProviders(JSON.stringify([myllm, local]), {});

    expect(withEnv?.apiKey).toBeUndefined();
    expect(keyless).toMatchObject({ apiKey: undefined, apiKeyEnv: undefined });
    expect(keyless?.models[0]).toMatchObject({
      name: 'Local X',
      pricing: { inputPerMTokUsd: 0, outputPerMTokUsd: 0, cachedInputPerMTokUsd: 0 },
    });
  });

  it('treats an unset or blank value as no providers', () => {
    expect(parseCompatibleProviders(undefined, {})).toEqual([]);
    expect(parseCompatibleProviders('  ', {})).toEqual([]);
  });

  it('rejects text that is not JSON, naming the variable', () => {
    expect(() => parseCompatibleProviders('[{id: myllm}]', {})).toThrow(
      /^CHAT_OPENAI_COMPATIBLE_PROVIDERS is not valid JSON: /,
    );
  });

  it('lists every problem with its path', () => {
    const bad = [{ ...myllm, baseUrl: 'not a url', models: [{ name: 'x', contextWindow: -1 }] }];

    let message = '';
    try {
      parseCompatibleProviders(JSON.stringify(bad), {});
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toMatch(/^CHAT_OPENAI_COMPATIBLE_PROVIDERS is invalid: /);
    expect(message).toContain('[0].baseUrl');
    expect(message).toContain('[0].models[0].contextWindow');
    expect(message).toContain('[0].models[0].maxOutputTokens');
  });

  it('rejects ids that are built in, repeated or not lowercase, and unknown keys', () => {
    const parse = (value: unknown) => () => parseCompatibleProviders(JSON.stringify(value), {});

    expect(parse([{ ...myllm, id: 'groq' }])).toThrow(/\[0\]\.id: is already a built-in provider id/);
    expect(parse([myllm, myllm])).toThrow(/\[1\]\.id: "myllm" is defined twice/);
    expect(parse([{ ...myllm, id: 'My LLM' }])).toThrow(/\[0\]\.id/);
    expect(parse([{ ...myllm, apiKey: 'inline-secret' }])).toThrow(/apiKey/);
    expect(parse({ id: 'myllm' })).toThrow(/\(root\)/);
  });
});
