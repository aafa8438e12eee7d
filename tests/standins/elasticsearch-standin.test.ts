import { Client, errors } from '@elastic/elasticsearch';
import { ElasticsearchStandin, startElasticsearchStandin } from './elasticsearch-standin';

const USER = 'elastic';
const PASSWORD = 'chang:eme';
const TODAY = 'logstash-2026.11.25';
const YESTERDAY = 'logstash-2026.11.24';

describe('elasticsearch stand-in through @elastic/elasticsearch (with basic auth)', () => {
  let standin: ElasticsearchStandin;
  let client: Client;

  beforeAll(async () => {
    standin = await startElasticsearchStandin({
      username: USER,
      password: PASSWORD,
      // Like a keyword/long mapping refusing text: status must be numeric.
      rejectDocument: (source) =>
        typeof source.status === 'number' ? undefined : { type: 'document_parsing_exception', reason: `failed to parse field [status] of type [long]` },
    });
    client = new Client({ node: standin.url, auth: { username: USER, password: PASSWORD } });
    const bulk = await client.bulk({
      refresh: true,
      operations: [
        { index: { _index: TODAY } },
        { message: 'GET /health HTTP/1.1', status: 200, host: { name: 'web-1' } },
        { index: { _index: TODAY, _id: 'fixed-id' } },
        { message: 'POST /api/orders HTTP/1.1', status: 500, host: { name: 'web-2' } },
        { create: { _index: TODAY } },
        { message: 'GET /api/users HTTP/1.1', status: 404, host: { name: 'web-1' } },
        { index: { _index: YESTERDAY } },
        { message: 'GET /health HTTP/1.1', status: 200, host: { name: 'web-2' } },
      ],
    });
    if (bulk.errors) throw new Error(`setup bulk failed: ${JSON.stringify(bulk.items)}`);
  });

  afterAll(async () => {
    await client?.close();
    await standin?.stop();
  });

  test('info() passes the client product check and reports 8.19.2', async () => {
    const info = await client.info();
    expect(info.version.number).toBe('8.19.2');
    expect(info.version.build_flavor).toBe('default');
    expect(info.tagline).toBe('You Know, for Search');
  });

  test('bulk stores documents with index, given or generated _id, and source', async () => {
    const today = standin.documents(TODAY);
    expect(today).toHaveLength(3);
    expect(today[1]).toEqual({ index: TODAY, id: 'fixed-id', source: { message: 'POST /api/orders HTTP/1.1', status: 500, host: { name: 'web-2' } } });
    expect(today[0].id).toMatch(/^[\w-]{10,}$/);
    expect(new Set(today.map((doc) => doc.id)).size).toBe(3);
    expect(standin.requestLog).toContain('POST /_bulk?refresh=true');
  });

  test('answerBulkAfter holds bulk requests, and only those, until the delay is over', async () => {
    standin.answerBulkAfter(3000);
    try {
      const started = Date.now();
      const done: string[] = [];
      const bulk = client.bulk({ index: 'slow', operations: [{ index: { _id: 'late' } }, { status: 1 }] }).then(() => done.push('bulk'));
      // Not held: anything but a bulk request, sent after it, is answered before it.
      await client.info().then(() => done.push('info'));
      await bulk;
      expect(done).toEqual(['info', 'bulk']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
      expect(standin.documents('slow').map((d) => d.id)).toEqual(['late']);
    } finally {
      standin.answerBulkAfter(0);
    }
  });

  test('bulk items follow the Elasticsearch reply format', async () => {
    const reply = await client.bulk({ index: 'other', operations: [{ index: {} }, { status: 1 }, { create: { _id: 'x' } }, { status: 2 }] });
    expect(reply.errors).toBe(false);
    expect(reply.items).toEqual([
      { index: expect.objectContaining({ _index: 'other', _id: expect.any(String), status: 201, result: 'created' }) },
      { create: expect.objectContaining({ _index: 'other', _id: 'x', status: 201, result: 'created' }) },
    ]);
    expect(standin.requestLog).toContain('POST /other/_bulk');

    const again = await client.bulk({ index: 'other', operations: [{ create: { _id: 'x' } }, { status: 3 }, { index: { _id: 'x' } }, { status: 4 }] });
    expect(again.errors).toBe(true);
    expect(again.items[0].create).toMatchObject({ status: 409, error: { type: 'version_conflict_engine_exception' } });
    expect(again.items[1].index).toMatchObject({ status: 200, result: 'updated' });
    expect(standin.documents('other').find((doc) => doc.id === 'x')?.source).toEqual({ status: 4 });
  });

  test('count on a daily index and on a wildcard pattern', async () => {
    expect((await client.count({ index: TODAY })).count).toBe(3);
    expect((await client.count({ index: 'logstash-*' })).count).toBe(4);
    expect((await client.count({ index: `${TODAY},${YESTERDAY}` })).count).toBe(4);
    expect((await client.count({ index: 'nothing-*' })).count).toBe(0);
    expect((await client.count({ index: 'logstash-*', query: { term: { status: 200 } } })).count).toBe(2);
  });

  test('a missing concrete index is a 404 index_not_found_exception', async () => {
    const error = await client.count({ index: 'logstash-1999.01.01' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(errors.ResponseError);
    expect((error as errors.ResponseError).statusCode).toBe(404);
    expect((error as errors.ResponseError).body).toMatchObject({ error: { type: 'index_not_found_exception' }, status: 404 });
  });

  test('search with match_phrase, term on .keyword, query_string and bool', async () => {
    const messages = async (query: object, size?: number) => {
      const result = await client.search<{ message: string }>({ index: 'logstash-*', query, size, track_total_hits: true });
      return { total: result.hits.total, messages: result.hits.hits.map((hit) => hit._source?.message) };
    };

    expect(await messages({ match_phrase: { message: 'get /health' } })).toEqual({
      total: { value: 2, relation: 'eq' },
      messages: ['GET /health HTTP/1.1', 'GET /health HTTP/1.1'],
    });
    expect((await messages({ match_phrase: { message: '/health' } }, 1)).messages).toHaveLength(1);
    expect((await messages({ match: { message: { query: 'orders' } } })).messages).toEqual(['POST /api/orders HTTP/1.1']);
    expect((await messages({ term: { 'host.name.keyword': 'web-2' } })).messages).toEqual([
      'POST /api/orders HTTP/1.1',
      'GET /health HTTP/1.1',
    ]);
    expect((await messages({ query_string: { query: '"api/users"' } })).messages).toEqual(['GET /api/users HTTP/1.1']);
    expect(
      (await messages({ bool: { must: [{ match_phrase: { message: 'GET' } }], filter: [{ term: { 'host.name': 'web-1' } }] } })).messages,
    ).toEqual(['GET /health HTTP/1.1', 'GET /api/users HTTP/1.1']);
    expect(await messages({ term: { status: 999 } })).toEqual({ total: { value: 0, relation: 'eq' }, messages: [] });
    expect((await messages({ range: { status: { gte: 400, lt: 500 } } })).messages).toEqual(['GET /api/users HTTP/1.1']);
  });

  test('search hits carry _index and _id', async () => {
    const result = await client.search({ index: TODAY, query: { term: { status: 500 } } });
    expect(result.hits.hits).toEqual([expect.objectContaining({ _index: TODAY, _id: 'fixed-id' })]);
  });

  test('unsupported queries are refused, not guessed at', async () => {
    await expect(client.search({ index: TODAY, query: { prefix: { message: 'GET' } } })).rejects.toMatchObject({ statusCode: 400 });
  });

  test('cat.count as JSON and as text', async () => {
    const json = await client.cat.count({ index: 'logstash-*', format: 'json' });
    expect(json).toEqual([{ epoch: expect.stringMatching(/^\d+$/), timestamp: expect.stringMatching(/^\d\d:\d\d:\d\d$/), count: '4' }]);
    const text = await client.cat.count({ index: TODAY, v: true });
    expect(text).toMatch(/^epoch +timestamp count\n\d+ \d\d:\d\d:\d\d 3\n$/);
  });

  test('index and legacy templates can be stored and read back', async () => {
    await client.indices.putIndexTemplate({ name: 'logstash', index_patterns: ['logstash-*'], template: { settings: { number_of_replicas: 0 } } });
    const indexTemplates = await client.indices.getIndexTemplate({ name: 'logstash' });
    expect(indexTemplates.index_templates).toEqual([
      { name: 'logstash', index_template: expect.objectContaining({ index_patterns: ['logstash-*'] }) },
    ]);
    await expect(client.indices.getIndexTemplate({ name: 'nope' })).rejects.toMatchObject({ statusCode: 404 });

    expect(await client.indices.existsTemplate({ name: 'legacy' })).toBe(false);
    await client.indices.putTemplate({ name: 'legacy', index_patterns: ['fluentd-*'] });
    expect(await client.indices.existsTemplate({ name: 'legacy' })).toBe(true);
    expect(await client.indices.getTemplate({ name: 'legacy' })).toEqual({ legacy: expect.objectContaining({ index_patterns: ['fluentd-*'] }) });
    expect(standin.store.legacyTemplates.has('legacy')).toBe(true);
  });

  test('index create, exists, refresh, cat.indices, delete', async () => {
    expect(await client.indices.exists({ index: 'made' })).toBe(false);
    await client.indices.create({ index: 'made', mappings: { properties: { status: { type: 'long' } } } });
    expect(await client.indices.exists({ index: 'made' })).toBe(true);
    await expect(client.indices.create({ index: 'made' })).rejects.toMatchObject({ statusCode: 400 });
    expect(standin.store.indices.get('made')?.mappings).toEqual({ properties: { status: { type: 'long' } } });

    expect((await client.indices.refresh({ index: 'logstash-*' }))._shards).toMatchObject({ total: 2, failed: 0 });
    const indices = await client.cat.indices({ index: 'logstash-*', format: 'json' });
    expect(indices.map((row) => [row.index, row['docs.count']]).sort()).toEqual([
      [YESTERDAY, '1'],
      [TODAY, '3'],
    ]);

    await client.indices.delete({ index: 'made' });
    expect(await client.indices.exists({ index: 'made' })).toBe(false);
  });

  test('cluster health answers green', async () => {
    expect((await client.cluster.health()).status).toBe('green');
  });

  test('a rejected document is reported in bulk errors while the others are stored', async () => {
    const reply = await client.bulk({
      refresh: true,
      operations: [
        { index: { _index: 'mixed' } },
        { status: 200 },
        { index: { _index: 'mixed' } },
        { status: 'not-a-number' },
        { index: { _index: 'mixed' } },
        { status: 201 },
      ],
    });
    expect(reply.errors).toBe(true);
    expect(reply.items.map((item) => item.index?.status)).toEqual([201, 400, 201]);
    expect(reply.items[1].index?.error).toEqual({ type: 'document_parsing_exception', reason: 'failed to parse field [status] of type [long]' });
    expect(standin.documents('mixed').map((doc) => doc.source.status)).toEqual([200, 201]);
  });

  test('a wrong password gets a 401 ResponseError with an ES-shaped body', async () => {
    const wrong = new Client({ node: standin.url, auth: { username: USER, password: 'wrong' } });
    try {
      const error = await wrong.info().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(errors.ResponseError);
      const response = error as errors.ResponseError;
      expect(response.statusCode).toBe(401);
      expect(response.headers?.['www-authenticate']).toMatch(/^Basic /);
      expect(response.body).toMatchObject({ error: { type: 'security_exception' }, status: 401 });
    } finally {
      await wrong.close();
    }
    const anonymous = new Client({ node: standin.url });
    try {
      await expect(anonymous.count({ index: TODAY })).rejects.toMatchObject({ statusCode: 401 });
    } finally {
      await anonymous.close();
    }
  });

  test('every response carries x-elastic-product, even errors', async () => {
    const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    for (const [path, headers] of [
      ['/', { authorization: auth }],
      ['/_nope', { authorization: auth }],
      ['/', {}],
    ] as const) {
      const response = await fetch(`${standin.url}${path}`, { headers });
      expect(response.headers.get('x-elastic-product')).toBe('Elasticsearch');
      expect(response.headers.get('content-type')).toBe('application/json');
      await response.arrayBuffer();
    }
  });
});

describe('elasticsearch stand-in restarts', () => {
  test('a stand-in restarted on the same port with the same store keeps its data', async () => {
    let standin = await startElasticsearchStandin();
    const client = new Client({ node: standin.url });
    try {
      await client.bulk({ operations: [{ index: { _index: 'keep' } }, { n: 1 }] });
      const { port, store } = standin;
      await standin.stop();
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();

      standin = await startElasticsearchStandin({ port, store });
      // The client's old keep-alive socket was destroyed by stop(); it reconnects on its own.
      expect((await client.count({ index: 'keep' })).count).toBe(1);
    } finally {
      await client.close();
      await standin.stop();
    }
  });
});

describe('elasticsearch stand-in: index templates, typed mappings, document ids and retention policies', () => {
  let standin: ElasticsearchStandin;
  let client: Client;
  const template = {
    index_patterns: ['logs-*'],
    priority: 200,
    template: {
      settings: { 'index.mapping.ignore_malformed': false },
      mappings: { properties: { status: { type: 'integer' }, client_ip: { type: 'ip' }, at: { type: 'date' }, path: { type: 'keyword', ignore_above: 8191 }, tag: { type: 'keyword' } } },
    },
  };

  beforeAll(async () => {
    standin = await startElasticsearchStandin();
    client = new Client({ node: standin.url });
    await client.indices.putIndexTemplate({ name: 'low', index_patterns: ['logs-*'], priority: 1, template: { mappings: { properties: { status: { type: 'keyword' } } } } });
    await client.indices.putIndexTemplate({ name: 'logs', ...template } as never);
  });

  afterAll(async () => {
    await client?.close();
    await standin?.stop();
  });

  test('a new index takes the settings and mappings of the highest-priority matching template', async () => {
    await client.bulk({ operations: [{ index: { _index: 'logs-a' } }, { status: 200 }, { index: { _index: 'other' } }, { status: 'x' }] });
    expect(standin.store.indices.get('logs-a')!.mappings).toEqual(template.template.mappings);
    expect(standin.store.indices.get('logs-a')!.settings).toEqual({ 'index.mapping.ignore_malformed': false });
    expect(standin.store.indices.get('other')!.mappings).toEqual({});
  });

  test('a value that does not fit its mapped type fails the document with 400, naming the field', async () => {
    const reply = await client.bulk({
      operations: [
        { index: { _index: 'logs-b', _id: 'ok' } }, { status: 200, client_ip: '::1', at: '2026-12-02T10:00:00.123Z', path: '/' },
        { index: { _index: 'logs-b', _id: 'coerced' } }, { status: '404' },
        { index: { _index: 'logs-b', _id: 'bad-int' } }, { status: 'two hundred' },
        { index: { _index: 'logs-b', _id: 'bad-ip' } }, { client_ip: '-' },
        { index: { _index: 'logs-b', _id: 'bad-date' } }, { at: 'yesterday' },
        { index: { _index: 'logs-b', _id: 'long-path' } }, { path: `/${'a'.repeat(40_000)}` },
        { index: { _index: 'logs-b', _id: 'immense' } }, { tag: 'x'.repeat(40_000) },
      ],
    });
    const status = Object.fromEntries(reply.items.map((item) => [item.index!._id, item.index!.status]));
    expect(status).toEqual({ ok: 201, coerced: 201, 'bad-int': 400, 'bad-ip': 400, 'bad-date': 400, 'long-path': 201, immense: 400 });
    expect(reply.items.find((item) => item.index!._id === 'bad-ip')!.index!.error!.reason)
      .toBe("[1:2] failed to parse field [client_ip] of type [ip] in document with id 'bad-ip'. Preview of field's value: '-'");
  });

  test('with index.mapping.ignore_malformed, a malformed number, date or ip is kept rather than failing the document', async () => {
    await client.indices.putIndexTemplate({ name: 'lenient', index_patterns: ['lenient-*'], priority: 5, template: { ...template.template, settings: { index: { mapping: { ignore_malformed: true } } } } } as never);
    const reply = await client.bulk({ operations: [{ index: { _index: 'lenient-a', _id: 'x' } }, { status: 'two hundred', client_ip: '-' }, { index: { _index: 'lenient-a', _id: 'y' } }, { tag: { not: 'a keyword' } }] });
    expect(reply.items.map((item) => item.index!.status)).toEqual([201, 400]);
  });

  test('index with a taken _id replaces the document; _id inside a document is refused', async () => {
    await client.bulk({ operations: [{ index: { _index: 'logs-c', _id: 'event-1' } }, { status: 200, copy: 1 }] });
    const again = await client.bulk({ operations: [{ index: { _index: 'logs-c', _id: 'event-1' } }, { status: 200, copy: 2 }, { index: { _index: 'logs-c' } }, { _id: 'event-2', status: 200 }] });
    expect(again.items.map((item) => [item.index!.status, item.index!.result])).toEqual([[200, 'updated'], [400, undefined]]);
    expect(again.items[1].index!.error!.reason).toContain('Field [_id] is a metadata field and cannot be added inside a document');
    expect(standin.documents('logs-c').map((doc) => doc.source)).toEqual([{ status: 200, copy: 2 }]);
  });

  test('terms matches any of its values', async () => {
    await client.bulk({ refresh: true, operations: [{ index: { _index: 'logs-d' } }, { tag: 'a' }, { index: { _index: 'logs-d' } }, { tag: 'b' }, { index: { _index: 'logs-d' } }, { tag: 'c' }] });
    const found = await client.search<{ tag: string }>({ index: 'logs-d', query: { bool: { filter: [{ terms: { tag: ['a', 'c'] } }] } } });
    expect(found.hits.hits.map((hit) => hit._source!.tag).sort()).toEqual(['a', 'c']);
  });

  test("keeps ILM policies and index settings, as Elasticsearch's lifecycle management reads them", async () => {
    await client.ilm.putLifecycle({ name: 'logs-retention', policy: { phases: { delete: { min_age: '30d', actions: { delete: {} } } } } });
    expect((await client.ilm.getLifecycle({ name: 'logs-retention' }))['logs-retention'].policy.phases.delete!.min_age).toBe('30d');
    await client.indices.putSettings({ index: 'logs-*', settings: { 'index.lifecycle.name': 'logs-retention' } });
    expect(standin.store.indices.get('logs-a')!.settings['index.lifecycle.name']).toBe('logs-retention');
    expect(standin.store.indices.get('other')!.settings['index.lifecycle.name']).toBeUndefined();
    const settings = await client.indices.getSettings({ index: 'logs-a,other', name: 'index.lifecycle.name', flat_settings: true });
    expect(settings).toEqual({ 'logs-a': { settings: { 'index.lifecycle.name': 'logs-retention' } }, other: { settings: {} } });
    await expect(client.ilm.getLifecycle({ name: 'missing' })).rejects.toMatchObject({ statusCode: 404 });
  });

  test("keeps OpenSearch's ISM policies: versioned updates, ism_template on new indices, and adding one to existing indices", async () => {
    const ism = (method: string, path: string, body?: object): Promise<{ status: number; body: any }> =>
      fetch(`${standin.url}/_plugins/_ism/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) })
        .then(async (r) => ({ status: r.status, body: await r.json() }));
    const policy = { description: 'v1', states: [], ism_template: [{ index_patterns: ['ism-*'], priority: 100 }] };
    expect((await ism('GET', 'policies/p')).status).toBe(404);
    expect((await ism('PUT', 'policies/p', { policy })).status).toBe(201);
    // An update must name the version it replaces.
    expect((await ism('PUT', 'policies/p', { policy: { ...policy, description: 'v2' } })).status).toBe(409);
    const current = (await ism('GET', 'policies/p')).body;
    expect(current.policy.description).toBe('v1');
    expect((await ism('PUT', `policies/p?if_seq_no=${current._seq_no}&if_primary_term=${current._primary_term}`, { policy: { ...policy, description: 'v2' } })).status).toBe(200);
    expect((await ism('GET', 'policies/p')).body.policy.description).toBe('v2');

    await client.bulk({ operations: [{ index: { _index: 'ism-new' } }, { n: 1 }] });
    expect(standin.store.indices.get('ism-new')!.ismPolicy).toBe('p');
    const added = await ism('POST', 'add/logs-*', { policy_id: 'p' });
    expect(added.body).toEqual(expect.objectContaining({ updated_indices: 4, failures: false }));
    expect((await ism('POST', 'add/logs-*', { policy_id: 'p' })).body).toEqual(expect.objectContaining({ updated_indices: 0, failures: true }));
    expect(standin.store.indices.get('logs-a')!.ismPolicy).toBe('p');
  });
});
