import { serveOnLoopback, type LoopbackHttpServer } from '@conduit/testing';
import { ProviderApi, ProviderApiError } from './provider-api';

describe('ProviderApi', () => {
  let server: LoopbackHttpServer;
  const valid = new Set<string>();

  beforeAll(async () => {
    server = await serveOnLoopback(async (req, res) => {
      const token = (req.headers.authorization ?? '').replace('Bearer ', '');
      if (!valid.has(token)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
        return;
      }
      if (req.url?.startsWith('/v3/missing')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"Not Found"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url }));
    });
  });

  afterAll(() => server.close());

  beforeEach(() => {
    valid.clear();
  });

  const api = (tokens: { stale: string; fresh: string }, asked: boolean[]) =>
    new ProviderApi({
      baseUrl: `${server.url}/v3`,
      headers: { accept: 'application/json' },
      timeoutMs: 5_000,
      token: ({ fresh }) => {
        asked.push(fresh);
        return Promise.resolve(fresh ? tokens.fresh : tokens.stale);
      },
    });

  it('sends the bearer token and the query, joined to the base URL', async () => {
    valid.add('good');
    const asked: boolean[] = [];
    const body = await api({ stale: 'good', fresh: 'unused' }, asked).json({
      path: '/items',
      query: { q: 'a b', limit: 3, skip: undefined },
    });
    expect(body).toEqual({ url: '/v3/items?q=a+b&limit=3' });
    expect(asked).toEqual([false]);
  });

  it('retries a 401 once with a fresh token', async () => {
    valid.add('fresh');
    const asked: boolean[] = [];
    await expect(api({ stale: 'stale', fresh: 'fresh' }, asked).json({ path: 'items' })).resolves.toEqual({
      url: '/v3/items',
    });
    expect(asked).toEqual([false, true]);
  });

  it('gives up after the one retry, and names the provider message of other failures', async () => {
    const asked: boolean[] = [];
    const failed = api({ stale: 'a', fresh: 'b' }, asked).json({ path: 'items' });
    await expect(failed).rejects.toBeInstanceOf(ProviderApiError);
    await expect(failed).rejects.toMatchObject({
      status: 401,
      message: '401 from the provider: Bad credentials',
    });
    expect(asked).toEqual([false, true]);

    valid.add('ok');
    await expect(api({ stale: 'ok', fresh: 'ok' }, []).json({ path: 'missing' })).rejects.toMatchObject({
      status: 404,
      message: '404 from the provider: Not Found',
    });
  });
});
