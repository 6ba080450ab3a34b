import { anthropicClient, NO_API_KEY, openAIClient } from './sdk-clients';

describe('SDK clients', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds an OpenAI client that reads nothing from the environment', () => {
    process.env['OPENAI_ORG_ID'] = 'org-from-env';
    process.env['OPENAI_PROJECT_ID'] = 'proj-from-env';
    process.env['OPENAI_BASE_URL'] = 'http://127.0.0.1:1/from-env';
    const client = openAIClient({ apiKey: undefined, baseURL: 'http://127.0.0.1:9/v1', timeoutMs: 1234 });
    expect(client.apiKey).toBe(NO_API_KEY);
    expect(client.organization).toBeNull();
    expect(client.project).toBeNull();
    expect(client.baseURL).toBe('http://127.0.0.1:9/v1');
    expect(client.timeout).toBe(1234);
    expect(client.maxRetries).toBe(0);
  });

  it('falls back to the SDK default base URL and honours a retry count', () => {
    delete process.env['OPENAI_BASE_URL'];
    const client = openAIClient({ apiKey: 'sk-test', maxRetries: 2 });
    expect(client.baseURL).toBe('https://api.openai.com/v1');
    expect(client.maxRetries).toBe(2);
  });

  it('builds an Anthropic client with no SDK retries by default', () => {
    delete process.env['ANTHROPIC_BASE_URL'];
    const client = anthropicClient({ apiKey: 'sk-ant-test', timeoutMs: 500 });
    expect(client.baseURL).toBe('https://api.anthropic.com');
    expect(client.maxRetries).toBe(0);
    expect(client.timeout).toBe(500);
  });
});
