import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { NotFoundError } from 'openai';
import { registerUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

/** The model the README's `/v1` example names: a newcomer copies it as it is. */
function readmeOpenAiExampleModel(): string {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### OpenAI-compatible API'));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const model = /model: '([^']+)'/.exec(example)?.[1];
  if (!model) throw new Error('no model found in the README /v1 example');
  return model;
}

describe('offline defaults: with no provider key, what the README shows works', () => {
  let platform: TestPlatform;
  let client: OpenAI;
  let as: ReturnType<typeof api>;

  beforeAll(async () => {
    platform = await startPlatform({
      chatEnv: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, CHAT_DEFAULT_MODEL: undefined },
    });
    const user = await registerUser(platform.gateway.baseUrl);
    as = api(platform.gateway.baseUrl, user.accessToken);
    const { key } = await json(await as('/api/v1/api-keys', { body: { name: 'readme' } }));
    client = new OpenAI({ baseURL: `${platform.gateway.baseUrl}/v1`, apiKey: key, maxRetries: 0 });
  });
  afterAll(() => platform?.close());

  it("answers the README's /v1 example", async () => {
    // Failed before: the example named openai/gpt-4o-mini, which needs OPENAI_API_KEY.
    const stream = await client.chat.completions.create({
      model: readmeOpenAiExampleModel(),
      messages: [{ role: 'user', content: 'Hello!' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toMatch(/offline/i);
  });

  it('lists under /v1/models only the models it can answer with, and marks the rest in the catalog', async () => {
    const listed = [];
    for await (const model of client.models.list()) listed.push(model.id);
    const { models } = await json(await as('/api/v1/models'));
    const usable = models.filter((m: { available: boolean }) => m.available).map((m: { id: string }) => m.id);
    // Failed before: /v1/models listed every catalog model, of which one answered.
    expect(listed).toEqual(usable);
    expect(listed).toEqual(['offline/placeholder']);
    expect(models.length).toBeGreaterThan(listed.length);
    expect(listed).toContain(readmeOpenAiExampleModel());
  });

  it('answers a model without credentials as OpenAI answers a model you cannot use: 404 model_not_found', async () => {
    const failure = client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello!' }],
    });
    // Failed before: 503 with type invalid_request_error.
    await expect(failure).rejects.toBeInstanceOf(NotFoundError);
    await expect(failure).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      type: 'invalid_request_error',
      message: expect.stringContaining('OPENAI_API_KEY'),
    });

    const session = await json(await as('/api/v1/chat/sessions', { body: {} }));
    expect(session.model).toBe('offline/placeholder');
    const refused = await as(`/api/v1/chat/sessions/${session.id}/messages`, {
      body: { content: 'hi', model: 'anthropic/claude-haiku-4-5', stream: false },
    });
    expect(refused.status).toBe(404);
    expect(await json(refused)).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    const answered = await as(`/api/v1/chat/sessions/${session.id}/messages`, {
      body: { content: 'hi', stream: false },
    });
    expect(answered.status).toBe(200);
  });
});
