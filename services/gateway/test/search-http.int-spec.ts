import { waitFor } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json } from './support/platform';
import { onePagePdf, startSearchPlatform, type SearchPlatform } from './support/search-platform';

const MODES = ['semantic', 'keyword', 'hybrid'] as const;

describe('search over HTTP: the gateway, the search service (own process), NATS, Postgres and the embedded store', () => {
  let platform: SearchPlatform;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => api(platform.gateway.baseUrl, user.accessToken);

  beforeAll(async () => {
    platform = await startSearchPlatform(
      {},
      { SEARCH_DOCUMENTS_BODY_LIMIT_BYTES: 4 * 1024 * 1024, SEARCH_FILE_MAX_BYTES: 2 * 1024 * 1024 },
    );
    [alice, bob] = await Promise.all([
      registerUser(platform.gateway.baseUrl),
      registerUser(platform.gateway.baseUrl),
    ]);
  });
  afterAll(async () => {
    await platform?.close();
  });

  async function add(user: RegisteredUser, document: Record<string, unknown>): Promise<string> {
    const response = await as(user)('/api/v1/search/documents', { body: document });
    expect(response.status).toBe(202);
    const body = await json(response);
    expect(body).toEqual({ id: expect.any(String), status: 'pending' });
    return body.id;
  }

  async function documentOf(user: RegisteredUser, id: string) {
    const response = await as(user)(`/api/v1/search/documents/${id}`);
    return { status: response.status, body: await json(response) };
  }

  async function indexed(user: RegisteredUser, id: string, revisionCheck?: (doc: any) => boolean) {
    let last: any;
    await waitFor(async () => {
      last = (await documentOf(user, id)).body;
      return last.status !== 'pending' && (revisionCheck?.(last) ?? true);
    }, `document ${id} indexed`);
    expect(last).toMatchObject({ status: 'indexed', failureReason: null });
    return last;
  }

  async function query(user: RegisteredUser, body: Record<string, unknown>) {
    const response = await as(user)('/api/v1/search/query', { body });
    return { status: response.status, body: await json(response) };
  }

  it('indexes a document in the background and finds it in every mode, with highlighted snippets', async () => {
    const id = await add(alice, {
      title: 'Lighthouse keeping',
      text: 'The lighthouse keeper trimmed the wick every evening.\n\nStorms over the harbour kept the keeper awake.',
      source: 'notes://journal',
      tags: ['sea', 'work'],
      date: '2026-03-04',
    });
    const document = await indexed(alice, id);
    expect(document).toMatchObject({
      id,
      title: 'Lighthouse keeping',
      collection: 'default',
      tags: ['sea', 'work'],
      contentType: 'text',
    });
    expect(document.chunkCount).toBeGreaterThan(0);
    expect(document.embeddingSpace).toEqual(expect.any(String));
    for (const mode of MODES) {
      const { status, body } = await query(alice, { query: 'lighthouse wick', mode, topK: 5 });
      expect(status).toBe(200);
      expect(body.mode).toBe(mode);
      expect(body.embedding).toEqual({ model: expect.any(String), kind: 'lexical' });
      const hit = body.results.find((r: any) => r.documentId === id);
      expect(hit).toMatchObject({
        title: 'Lighthouse keeping',
        collection: 'default',
        score: expect.any(Number),
      });
      const marked = hit.highlights.map((h: any) => hit.snippet.slice(h.start, h.end).toLowerCase());
      expect(marked).toEqual(expect.arrayContaining(['lighthouse', 'wick']));
    }
  });

  it('takes a batch in order, lists documents page by page, and filters by tags, dates and source', async () => {
    const carol = await registerUser(platform.gateway.baseUrl);
    const documents = [
      { text: 'Apple orchards bloom in spring.', tags: ['fruit', 'spring'], date: '2026-04-01', source: 'a' },
      { text: 'Apple pie recipes for autumn.', tags: ['fruit', 'autumn'], date: '2026-10-01', source: 'b' },
      {
        text: 'Apple cider presses in the autumn.',
        tags: ['drink', 'autumn'],
        date: '2026-10-20',
        source: 'b',
      },
    ];
    const response = await as(carol)('/api/v1/search/documents', { body: { documents } });
    expect(response.status).toBe(202);
    const { ids } = await json(response);
    expect(ids).toHaveLength(3);
    for (const [i, id] of (ids as string[]).entries()) {
      expect((await indexed(carol, id)).tags).toEqual(documents[i]!.tags);
    }
    const first = await json(await as(carol)('/api/v1/search/documents?limit=2'));
    expect(first.data.map((d: any) => d.id)).toEqual([ids[2], ids[1]]);
    const second = await json(await as(carol)(`/api/v1/search/documents?limit=2&cursor=${first.nextCursor}`));
    expect(second).toMatchObject({ data: [{ id: ids[0] }], nextCursor: null });

    const found = async (filters: Record<string, unknown>) => {
      const { status, body } = await query(carol, { query: 'apple', mode: 'keyword', topK: 10, filters });
      expect(status).toBe(200);
      return new Set(body.results.map((r: any) => r.documentId));
    };
    expect(await found({ tags: { any: ['spring', 'drink'] } })).toEqual(new Set([ids[0], ids[2]]));
    expect(await found({ tags: { all: ['fruit', 'autumn'] } })).toEqual(new Set([ids[1]]));
    expect(await found({ dateFrom: '2026-10-01', dateTo: '2026-10-01' })).toEqual(new Set([ids[1]]));
    expect(await found({ dateFrom: '2026-05-01' })).toEqual(new Set([ids[1], ids[2]]));
    expect(await found({ source: 'a' })).toEqual(new Set([ids[0]]));
    expect(await found({ source: ['a', 'b'], tags: { any: ['autumn'] } })).toEqual(new Set([ids[1], ids[2]]));
  });

  it('replaces a document under the same id: the new text is found, nothing of the old one is left', async () => {
    const id = await add(alice, { text: 'Quokkas live on Rottnest Island.' });
    await indexed(alice, id);
    const put = await as(alice)(`/api/v1/search/documents/${id}`, {
      method: 'PUT',
      body: { text: 'Wombats dig burrows in the bush.', title: 'Wombats' },
    });
    expect(put.status).toBe(202);
    expect(await json(put)).toEqual({ id, status: 'pending' });
    await indexed(alice, id, (doc) => doc.title === 'Wombats' && doc.status !== 'pending');
    for (const mode of MODES) {
      const old = await query(alice, { query: 'quokkas rottnest', mode, topK: 100 });
      expect(old.body.results.filter((r: any) => r.documentId === id && /quokka/i.test(r.snippet))).toEqual(
        [],
      );
      const fresh = await query(alice, { query: 'wombats burrows', mode, topK: 100 });
      const hits = fresh.body.results.filter((r: any) => r.documentId === id);
      expect(hits.length).toBeGreaterThan(0);
      expect(new Set(hits.map((r: any) => r.chunkId)).size).toBe(hits.length);
    }
  });

  it('deletes a document with every chunk of it', async () => {
    const id = await add(alice, { text: 'Narwhals have a long spiral tusk.' });
    await indexed(alice, id);
    const deleted = await as(alice)(`/api/v1/search/documents/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await documentOf(alice, id)).status).toBe(404);
    for (const mode of MODES) {
      const { body } = await query(alice, { query: 'narwhals spiral tusk', mode, topK: 100 });
      expect(body.results.filter((r: any) => r.documentId === id)).toEqual([]);
    }
    expect((await as(alice)(`/api/v1/search/documents/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps named collections per user; unknown collections are 404 and deleting one removes its documents', async () => {
    const created = await as(alice)('/api/v1/search/collections', { body: { name: 'recipes' } });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ name: 'recipes', documentCount: 0 });
    expect((await as(alice)('/api/v1/search/collections', { body: { name: 'recipes' } })).status).toBe(409);
    const inRecipes = await add(alice, { text: 'Saffron risotto needs patience.', collection: 'recipes' });
    const elsewhere = await add(alice, { text: 'Saffron is a spice from crocus flowers.' });
    await indexed(alice, inRecipes);
    await indexed(alice, elsewhere);
    const scoped = await query(alice, { query: 'saffron', mode: 'hybrid', topK: 10, collection: 'recipes' });
    expect(scoped.body.results.map((r: any) => r.documentId)).toEqual([inRecipes]);

    const unknown = await as(alice)('/api/v1/search/documents', { body: { text: 'x', collection: 'nope' } });
    expect(unknown.status).toBe(404);
    expect((await query(alice, { query: 'saffron', mode: 'keyword', collection: 'nope' })).status).toBe(404);
    // Bob has no collection named recipes: Alice's is not his.
    expect((await query(bob, { query: 'saffron', mode: 'keyword', collection: 'recipes' })).status).toBe(404);

    const listed = await json(await as(alice)('/api/v1/search/collections'));
    expect(listed.data[0]).toMatchObject({ name: 'default', createdAt: null });
    expect(listed.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'recipes', documentCount: 1 })]),
    );

    const removed = await as(alice)('/api/v1/search/collections/recipes', { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await json(removed)).toEqual({ deleted: true, documents: 1 });
    expect((await documentOf(alice, inRecipes)).status).toBe(404);
    const after = await query(alice, { query: 'saffron risotto', mode: 'keyword', topK: 10 });
    expect(after.body.results.map((r: any) => r.documentId)).toEqual([elsewhere]);
    expect((await as(alice)('/api/v1/search/collections/default', { method: 'DELETE' })).status).toBe(409);
  });

  it('refuses bad input with a clear 4xx, keeps nothing of it, and keeps serving', async () => {
    const dave = await registerUser(platform.gateway.baseUrl);
    const post = (body: unknown) => as(dave)('/api/v1/search/documents', { body });
    const cases: [unknown, number][] = [
      [{ text: '' }, 400],
      [{ text: '   \n ' }, 400],
      [{ title: 'no text' }, 400],
      [{ text: 'x', tags: 'not-a-list' }, 400],
      [{ text: 'x', date: 'yesterday' }, 400],
      [{ text: 'x', unknown: true }, 400],
      [{ documents: [] }, 400],
      [{ documents: [{ text: 'fine' }, { text: '' }] }, 400],
      [{ text: 'x'.repeat(1_000_001) }, 400],
      ['{not json', 400],
    ];
    for (const [body, status] of cases) {
      const response = await post(body);
      expect({ body: JSON.stringify(body).slice(0, 60), status: response.status }).toEqual({
        body: JSON.stringify(body).slice(0, 60),
        status,
      });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    // Over the route's own limit (4 MiB here), though a batch above BODY_LIMIT_BYTES passes (below).
    const oversized = await post({ text: 'x'.repeat(5 * 1024 * 1024) });
    expect(oversized.status).toBe(413);
    const tooMany = await post({
      documents: Array.from({ length: 1_001 }, (_, i) => ({ text: `doc ${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(await json(tooMany))).toContain('documents');

    const badQueries: Record<string, unknown>[] = [
      { query: 'x', topK: 0 },
      { query: 'x', topK: 101 },
      { query: 'x', topK: 2.5 },
      { query: '' },
      { query: 'x', mode: 'fuzzy' },
      { query: 'x', filters: { tags: { some: ['a'] } } },
      { query: 'x', filters: { tags: { any: [] } } },
      { query: 'x', filters: { dateFrom: '2026-02-01', dateTo: '2026-01-01' } },
      { query: 'x', filters: { dateFrom: 'soon' } },
      { query: 'x', filters: { color: 'red' } },
      { query: 'x', fusion: { kind: 'weighted', semanticWeight: 2 } },
    ];
    for (const body of badQueries)
      expect({ body, status: (await query(dave, body)).status }).toEqual({ body, status: 400 });
    expect((await as(dave)('/api/v1/search/documents/not-a-uuid')).status).toBe(400);
    expect((await as(dave)('/api/v1/search/documents?cursor=garbage')).status).toBe(400);

    const listed = await json(await as(dave)('/api/v1/search/documents'));
    expect(listed.data).toEqual([]);
    const id = await add(dave, { text: 'Still serving after all that.' });
    await indexed(dave, id);
  });

  it('takes a batch of 1,000 documents, above BODY_LIMIT_BYTES and too large for one bus message, and indexes every one', async () => {
    const erin = await registerUser(platform.gateway.baseUrl);
    const filler = 'lorem ipsum dolor sit amet '.repeat(60);
    const documents = Array.from({ length: 1_000 }, (_, i) => ({
      title: `Note ${i}`,
      text: `note number n${i} ${filler}`,
    }));
    expect(JSON.stringify({ documents }).length).toBeGreaterThan(platform.gateway.config.BODY_LIMIT_BYTES);
    const response = await as(erin)('/api/v1/search/documents', { body: { documents } });
    expect(response.status).toBe(202);
    const { ids } = await json(response);
    expect(ids).toHaveLength(1_000);
    expect(new Set(ids).size).toBe(1_000);
    await waitFor(
      async () =>
        (await json(await as(erin)('/api/v1/search/documents?status=pending&limit=1'))).data.length === 0,
      'all 1,000 documents indexed',
      120_000,
    );
    const failed = await json(await as(erin)('/api/v1/search/documents?status=failed&limit=1'));
    expect(failed.data).toEqual([]);
    const { body } = await query(erin, { query: 'n517', mode: 'keyword', topK: 3 });
    expect(body.results[0]).toMatchObject({ documentId: ids[517], title: 'Note 517' });
  }, 180_000);

  it('never shows one user the documents of another, in any route or mode', async () => {
    const secret = await add(alice, { text: 'Alice keeps her zeppelin blueprints here.', tags: ['private'] });
    await indexed(alice, secret);
    expect((await documentOf(bob, secret)).status).toBe(404);
    expect(
      (await as(bob)(`/api/v1/search/documents/${secret}`, { method: 'PUT', body: { text: 'mine now' } }))
        .status,
    ).toBe(404);
    expect((await as(bob)(`/api/v1/search/documents/${secret}`, { method: 'DELETE' })).status).toBe(404);
    const bobsList = await json(await as(bob)('/api/v1/search/documents?limit=100'));
    expect(bobsList.data.map((d: any) => d.id)).not.toContain(secret);
    for (const mode of MODES) {
      const { body } = await query(bob, {
        query: 'zeppelin blueprints alice',
        mode,
        topK: 100,
        filters: { tags: { any: ['private'] } },
      });
      expect(body.results).toEqual([]);
    }
    expect((await documentOf(alice, secret)).body).toMatchObject({ status: 'indexed', title: null });
  });

  it('describes every search route in the OpenAPI document, from the same schemas that validate', async () => {
    const document = await json(await fetch(`${platform.gateway.baseUrl}/openapi.json`));
    const submit = document.paths['/api/v1/search/documents'].post;
    expect(submit).toMatchObject({ tags: ['search'], security: [{ bearer: [] }] });
    expect(JSON.stringify(submit.requestBody.content['application/json'].schema)).toContain(
      '"maxItems":1000',
    );
    expect(submit.responses['202']).toBeDefined();
    const upload = document.paths['/api/v1/search/files'].post.requestBody.content['multipart/form-data'];
    expect(upload.schema).toMatchObject({
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' }, collection: { type: 'string' } },
    });
    const search = document.paths['/api/v1/search/query'].post;
    expect(JSON.stringify(search.requestBody.content['application/json'].schema)).toContain('"maximum":100');
    expect(search.responses['200']).toBeDefined();
    for (const [path, method] of [
      ['/api/v1/search/files', 'post'],
      ['/api/v1/search/documents', 'get'],
      ['/api/v1/search/documents/{id}', 'get'],
      ['/api/v1/search/documents/{id}', 'put'],
      ['/api/v1/search/documents/{id}', 'delete'],
      ['/api/v1/search/collections', 'get'],
      ['/api/v1/search/collections', 'post'],
      ['/api/v1/search/collections/{name}', 'delete'],
    ] as const) {
      expect({ path, method, described: document.paths[path]?.[method] !== undefined }).toEqual({
        path,
        method,
        described: true,
      });
    }
  });

  describe('files', () => {
    const upload = (
      user: RegisteredUser,
      parts: { file?: [Buffer, string, string]; fields?: Record<string, string> },
    ) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(parts.fields ?? {})) form.append(name, value);
      if (parts.file) {
        const [bytes, name, type] = parts.file;
        form.append('file', new Blob([bytes], { type }), name);
      }
      return fetch(`${platform.gateway.baseUrl}/api/v1/search/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.accessToken}` },
        body: form,
      });
    };

    it('extracts and indexes text, Markdown, HTML and PDF files, the type told from the content', async () => {
      const files: [Buffer, string, string, string][] = [
        [Buffer.from('Plain words about kestrels hovering.'), 'notes.txt', 'text/plain', 'text/plain'],
        [
          Buffer.from('# Falcons\n\nPeregrines stoop at great speed.'),
          'birds.md',
          'text/markdown',
          'text/markdown',
        ],
        [
          Buffer.from(
            '<html><head><title>Owls</title></head><body><h1>Owls</h1><p>Barn owls hunt voles.</p></body></html>',
          ),
          'owls.html',
          'text/html',
          'text/html',
        ],
        [
          onePagePdf(['Ospreys dive for fish.']),
          'ospreys.bin',
          'application/octet-stream',
          'application/pdf',
        ],
      ];
      for (const [bytes, name, type, detected] of files) {
        const response = await upload(alice, { file: [bytes, name, type], fields: { tags: 'birds, files' } });
        expect({ name, status: response.status }).toEqual({ name, status: 202 });
        const accepted = await json(response);
        expect(accepted).toMatchObject({ status: 'pending', contentType: detected });
        const document = await indexed(alice, accepted.id);
        expect(document).toMatchObject({ contentType: detected, tags: ['birds', 'files'] });
      }
      const { body } = await query(alice, { query: 'ospreys fish', mode: 'keyword', topK: 5 });
      expect(body.results[0].snippet).toContain('Ospreys');
      const owls = await query(alice, { query: 'barn owls voles', mode: 'keyword', topK: 5 });
      expect(owls.body.results[0]).toMatchObject({ title: 'Owls' });
    });

    it('refuses corrupt, lying, empty, oversized or missing files with a clear 4xx and keeps nothing', async () => {
      const frank = await registerUser(platform.gateway.baseUrl);
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
      const cases: [Parameters<typeof upload>[1], number][] = [
        [{ file: [Buffer.from('%PDF-1.4\ngarbage that is no pdf'), 'broken.pdf', 'application/pdf'] }, 422],
        [{ file: [Buffer.from('just text pretending'), 'report.pdf', 'application/pdf'] }, 415],
        [{ file: [png, 'photo.txt', 'text/plain'] }, 415],
        [{ file: [Buffer.alloc(0), 'empty.txt', 'text/plain'] }, 422],
        [{ fields: { title: 'no file' } }, 400],
        [{ file: [Buffer.from('fine'), 'a.txt', 'text/plain'], fields: { collection: 'missing' } }, 404],
        [{ file: [Buffer.from('fine'), 'a.txt', 'text/plain'], fields: { date: 'someday' } }, 400],
      ];
      for (const [parts, status] of cases) {
        const response = await upload(frank, parts);
        expect({ name: parts.file?.[1] ?? 'none', status: response.status }).toEqual({
          name: parts.file?.[1] ?? 'none',
          status,
        });
      }
      const listed = await json(await as(frank)('/api/v1/search/documents'));
      expect(listed.data).toEqual([]);
    });

    it('refuses a file over SEARCH_FILE_MAX_BYTES with 413', async () => {
      const big = Buffer.alloc(platform.gateway.config.SEARCH_FILE_MAX_BYTES + 1, 'a');
      const response = await upload(bob, { file: [big, 'big.txt', 'text/plain'] });
      expect(response.status).toBe(413);
    });
  });

  it('indexes a document accepted while no indexer runs once the search service starts again', async () => {
    await platform.restartSearch({ SEARCH_INDEXER_ENABLED: 'false' });
    const id = await add(alice, { text: 'Accepted while nothing indexed: axolotls regrow limbs.' });
    // Nothing indexes it now; it waits in the durable stream.
    expect((await documentOf(alice, id)).body.status).toBe('pending');
    await platform.restartSearch();
    await indexed(alice, id);
    const { body } = await query(alice, { query: 'axolotls', mode: 'keyword', topK: 3 });
    expect(body.results[0]?.documentId).toBe(id);
  }, 120_000);

  it('indexes every document again in the background when the embedding space changes, then serves from it', async () => {
    const id = await add(alice, { text: 'Capybaras are the largest rodents.' });
    const before = await indexed(alice, id);
    await platform.restartSearch({ SEARCH_EMBEDDING_DIMENSIONS: '256' });
    expect(before.embeddingSpace).not.toBe('offline/lexical-v1@256');
    let index: any;
    await waitFor(async () => {
      index = (await json(await as(alice)('/api/v1/search/collections'))).index;
      return index.reindexing === null;
    }, 'the switch-over to the new space');
    expect(index).toEqual({ embeddingSpace: 'offline/lexical-v1@256', reindexing: null });
    await indexed(alice, id, (doc) => doc.embeddingSpace === 'offline/lexical-v1@256');
    const { body } = await query(alice, { query: 'capybaras rodents', mode: 'semantic', topK: 3 });
    expect(body.embedding.model).toBe('offline/lexical-v1@256');
    expect(body.results[0]?.documentId).toBe(id);
  }, 120_000);
});
