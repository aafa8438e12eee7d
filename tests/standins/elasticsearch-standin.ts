/**
 * TEST STAND-IN, NOT A SEARCH ENGINE.
 *
 * A tiny in-memory HTTP server answering the handful of Elasticsearch 8 REST
 * endpoints that @elastic/elasticsearch 8.x and fluent-plugin-elasticsearch
 * use: product check, bulk indexing, templates, index management, and
 * simple counts/searches for assertions. No real Elasticsearch can be
 * installed where these tests run. It listens on loopback only. There is no
 * analysis, scoring or refresh interval: documents are searchable as soon as
 * the bulk request is answered, and query matching is deliberately simple
 * (see matchesQuery).
 *
 * What it does keep of the real thing, because dle depends on it:
 * - document ids: `index` with a taken _id replaces the document, `create`
 *   answers 409; a document may not carry `_id` in its source;
 * - composable index templates (`_index_template`): a new index gets the
 *   settings and mappings of the highest-priority template matching its name,
 *   and a field that does not fit its mapped type (integer, long, float, ip,
 *   date, keyword, text) fails the document with 400, unless the index has
 *   `index.mapping.ignore_malformed` (then the field is only listed in
 *   `_ignored`, as Elasticsearch does); no dynamic mapping is recorded;
 * - index settings (`PUT <indices>/_settings`), Elasticsearch's ILM policies
 *   (`_ilm/policy`), and OpenSearch's ISM policies (`_plugins/_ism/policies`,
 *   `_plugins/_ism/add`, and `ism_template` applied to new indices). Nothing
 *   ever deletes an index on its own: the policies are only recorded.
 */
import * as http from 'node:http';
import { AddressInfo, isIP } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface EsDocument {
  index: string;
  id: string;
  source: any;
}

export interface EsIndex {
  /** Flat keys ("index.lifecycle.name"), as `flat_settings=true` shows them. */
  settings: Record<string, unknown>;
  mappings: any;
  /** By _id, in insertion order. */
  documents: Map<string, EsDocument>;
  /** The OpenSearch ISM policy that manages the index, if any. */
  ismPolicy?: string;
}

/** An OpenSearch ISM policy, with the optimistic-concurrency numbers an update must name. */
export interface IsmPolicy {
  policy: any;
  seqNo: number;
  primaryTerm: number;
}

/** In-memory data, separate from the server so a restarted stand-in can keep it. */
export class EsStore {
  readonly indices = new Map<string, EsIndex>();
  readonly indexTemplates = new Map<string, any>();
  readonly legacyTemplates = new Map<string, any>();
  readonly ilmPolicies = new Map<string, any>();
  readonly ismPolicies = new Map<string, IsmPolicy>();
  /** Native-realm users (the security API's) and roles, besides the superuser of the options. */
  readonly users = new Map<string, { password: string; roles: string[] }>();
  readonly roles = new Map<string, any>();

  /**
   * The index, created if missing: with the body's settings and mappings (PUT <index>), or else those of the
   * highest-priority composable template that matches its name; an ISM policy whose ism_template matches manages it.
   */
  ensureIndex(name: string, body: any = {}): EsIndex {
    let index = this.indices.get(name);
    if (!index) {
      const template = [...this.indexTemplates.values()]
        .filter((t) => [t.index_patterns ?? []].flat().some((pattern: string) => globMatches(pattern, name)))
        .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))[0]?.template ?? {};
      const ism = [...this.ismPolicies.entries()].find(([, { policy }]) =>
        (policy.ism_template ?? []).some((t: any) => [t.index_patterns ?? []].flat().some((pattern: string) => globMatches(pattern, name))));
      index = {
        settings: flatten(body.settings ?? template.settings ?? {}),
        mappings: body.mappings ?? template.mappings ?? {},
        documents: new Map(),
        ismPolicy: ism?.[0],
      };
      this.indices.set(name, index);
    }
    return index;
  }
}

/** `{"index": {"a": 1}}` and `{"index.a": 1}` alike as `{"index.a": 1}`. */
function flatten(settings: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(flatten(value as Record<string, unknown>, `${prefix}${key}.`))
      : [[`${prefix}${key}`, value]]));
}

function globMatches(pattern: string, name: string): boolean {
  return new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(name);
}

export type RejectDocument = (source: any, index: string) => { type: string; reason: string } | undefined;

export interface ElasticsearchStandinOptions {
  port?: number;
  username?: string;
  password?: string;
  store?: EsStore;
  /** Return an error to fail that bulk item with status 400, as a mapping error would. */
  rejectDocument?: RejectDocument;
  /**
   * Accept only requests signed with AWS SigV4 by this key ID for this region and the service "es", as an Amazon
   * OpenSearch domain with IAM access does, instead of basic auth. The stand-in checks the Authorization header's
   * scope, not the signature (it has no secret key).
   */
  sigV4?: { region: string; accessKeyId: string };
}

export interface ElasticsearchStandin {
  url: string;
  port: number;
  store: EsStore;
  /** "METHOD /path?query" of every request received, in order. */
  requestLog: string[];
  /** Documents of every index matching the pattern (comma-separated, "*" globs). */
  documents(indexPattern: string): EsDocument[];
  /** From now on, takes `ms` before it handles each bulk request (0: at once again), as an overloaded cluster does. */
  answerBulkAfter(ms: number): void;
  /** Closes the listener and destroys keep-alive sockets, like a server going away. */
  stop(): Promise<void>;
}

const VERSION = '8.19.2';
/** Elasticsearch's built-in roles that dle's users are given. */
const builtInRoles = new Set(['kibana_admin', 'kibana_system', 'superuser']);
const CLUSTER_NAME = 'dle-standin';

class EsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(reason);
  }

  body() {
    const cause = { type: this.type, reason: this.message };
    return { error: { root_cause: [cause], ...cause }, status: this.status };
  }
}

interface Reply {
  status?: number;
  /** Objects are sent as JSON; strings as text/plain (the _cat APIs). */
  body: unknown;
}

export async function startElasticsearchStandin(opts: ElasticsearchStandinOptions = {}): Promise<ElasticsearchStandin> {
  const store = opts.store ?? new EsStore();
  const requestLog: string[] = [];
  const expectedAuth =
    opts.username !== undefined && opts.password !== undefined
      ? `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`
      : undefined;
  const sigV4Scope = opts.sigV4
    ? new RegExp(`^AWS4-HMAC-SHA256 Credential=${escapeRegExp(opts.sigV4.accessKeyId)}/\\d{8}/${escapeRegExp(opts.sigV4.region)}/es/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`)
    : undefined;

  /** Comma-separated names/globs to index names. A missing concrete name is a 404, a glob matching nothing is not (allow_no_indices). */
  function resolveIndices(pattern: string | undefined): string[] {
    if (pattern === undefined || pattern === '_all') return [...store.indices.keys()];
    const names = new Set<string>();
    for (const part of pattern.split(',')) {
      if (part.includes('*')) {
        for (const name of store.indices.keys()) if (globMatches(part, name)) names.add(name);
      } else if (store.indices.has(part)) {
        names.add(part);
      } else {
        throw new EsError(404, 'index_not_found_exception', `no such index [${part}]`);
      }
    }
    return [...names];
  }

  const documentsOf = (pattern: string | undefined) =>
    resolveIndices(pattern).flatMap((name) => [...(store.indices.get(name)?.documents.values() ?? [])]);

  function bulk(body: string, defaultIndex: string | undefined): Reply {
    const started = Date.now();
    const lines = body.split('\n').filter((line) => line.trim() !== '');
    const items: unknown[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const action = parseJson(lines[i]);
      const [op, meta] = Object.entries(action ?? {})[0] ?? [];
      // fluent-plugin-elasticsearch and the tests only index/create; update/delete would need different line pairing.
      if (op !== 'index' && op !== 'create') throw new EsError(400, 'illegal_argument_exception', `Malformed action/metadata line [${i + 1}], unsupported action [${op}]`);
      const indexName = (meta as any)._index ?? defaultIndex;
      if (!indexName) throw new EsError(400, 'action_request_validation_exception', 'Validation Failed: 1: index is missing;');
      if (i + 1 >= lines.length) throw new EsError(400, 'illegal_argument_exception', `The bulk request must be terminated by a newline [\\n]`);
      const source = parseJson(lines[i + 1]);
      const id: string = (meta as any)._id ?? randomBytes(15).toString('base64url');
      const index = store.ensureIndex(indexName);
      const rejection = opts.rejectDocument?.(source, indexName) ?? mappingError(source, index, id);
      const existing = index.documents.has(id);
      if (rejection) {
        items.push({ [op]: { _index: indexName, _id: id, status: 400, error: rejection } });
      } else if (existing && op === 'create') {
        items.push({
          [op]: {
            _index: indexName,
            _id: id,
            status: 409,
            error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists` },
          },
        });
      } else {
        index.documents.set(id, { index: indexName, id, source });
        items.push({
          [op]: {
            _index: indexName,
            _id: id,
            _version: 1,
            result: existing ? 'updated' : 'created',
            _shards: { total: 1, successful: 1, failed: 0 },
            _seq_no: 0,
            _primary_term: 1,
            status: existing ? 200 : 201,
          },
        });
      }
    }
    const errors = items.some((item) => Object.values(item as object)[0].error !== undefined);
    return { body: { took: Date.now() - started, errors, items } };
  }

  function search(pattern: string | undefined, body: any): Reply {
    const hits = documentsOf(pattern).filter((doc) => matchesQuery(doc.source, body?.query ?? { match_all: {} }));
    const size = body?.size ?? 10;
    // Real Elasticsearch counts exactly up to 10,000 hits unless told otherwise.
    const trackTotalHits = body?.track_total_hits ?? 10_000;
    const cap = trackTotalHits === true ? Infinity : Number(trackTotalHits);
    const total = { value: Math.min(hits.length, cap), relation: hits.length > cap ? 'gte' : 'eq' };
    return {
      body: {
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          ...(trackTotalHits === false ? {} : { total }),
          max_score: hits.length > 0 ? 1 : null,
          hits: hits.slice(0, size).map((doc) => ({ _index: doc.index, _id: doc.id, _score: 1, _source: doc.source })),
        },
      },
    };
  }

  function catCount(pattern: string | undefined, params: URLSearchParams): Reply {
    const now = new Date();
    const row = { epoch: String(Math.floor(now.getTime() / 1000)), timestamp: now.toISOString().slice(11, 19), count: String(documentsOf(pattern).length) };
    if (params.get('format') === 'json') return { body: [row] };
    return { body: `${params.has('v') ? 'epoch      timestamp count\n' : ''}${row.epoch} ${row.timestamp} ${row.count}\n` };
  }

  function catIndices(pattern: string | undefined, params: URLSearchParams): Reply {
    const rows = resolveIndices(pattern).map((index) => ({
      health: 'green',
      status: 'open',
      index,
      pri: '1',
      rep: '0',
      'docs.count': String(store.indices.get(index)?.documents.size ?? 0),
    }));
    if (params.get('format') === 'json') return { body: rows };
    const header = params.has('v') ? 'health status index pri rep docs.count\n' : '';
    return { body: header + rows.map((row) => `${Object.values(row).join(' ')}\n`).join('') };
  }

  /** The native user a basic Authorization header names, when its password matches; undefined for the superuser or anyone else. */
  function nativeUser(authorization: string | undefined): string | undefined {
    const [user, password] = Buffer.from((authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
    return authorization?.startsWith('Basic ') && user !== opts.username && store.users.get(user)?.password === password ? user : undefined;
  }

  /**
   * The security API subset that dle's setup uses, for the superuser only: set a user's password (the built-in
   * kibana_system included), put a role, put a user, and who am I.
   */
  function security(method: string, segments: string[], caller: string | undefined, rawBody: string): Reply {
    const [, kind, name, action] = segments;
    if (method === 'GET' && kind === '_authenticate') {
      return { body: { username: caller ?? opts.username, roles: caller ? store.users.get(caller)!.roles : ['superuser'] } };
    }
    if (caller !== undefined) throw new EsError(403, 'security_exception', `action [cluster:admin/xpack/security] is unauthorized for user [${caller}]`);
    const body = parseJson(rawBody) ?? {};
    if ((method === 'POST' || method === 'PUT') && kind === 'user' && name && action === '_password' && segments.length === 4) {
      const user = store.users.get(name) ?? { password: '', roles: name === 'kibana_system' ? ['kibana_system'] : [] };
      if (!store.users.has(name) && name !== 'kibana_system') throw new EsError(404, 'resource_not_found_exception', `user [${name}] does not exist`);
      store.users.set(name, { ...user, password: body.password });
      return { body: {} };
    }
    if ((method === 'POST' || method === 'PUT') && kind === 'role' && name && segments.length === 3) {
      const created = !store.roles.has(name);
      store.roles.set(name, body);
      return { body: { role: { created } } };
    }
    if ((method === 'POST' || method === 'PUT') && kind === 'user' && name && segments.length === 3) {
      const unknown = (body.roles ?? []).filter((role: string) => !store.roles.has(role) && !builtInRoles.has(role));
      if (unknown.length > 0) throw new EsError(400, 'illegal_argument_exception', `roles [${unknown.join(', ')}] do not exist (stand-in check)`);
      const created = !store.users.has(name);
      store.users.set(name, { password: body.password ?? store.users.get(name)?.password ?? '', roles: body.roles ?? [] });
      return { body: { created } };
    }
    throw noHandler(method, segments);
  }

  /** A native user may search and count only indices its roles' index patterns cover (the `read` privilege). */
  function authorizeRead(caller: string, method: string, segments: string[]): void {
    const [pattern, action] = segments;
    const reads = (action === '_search' || action === '_count') && segments.length === 2;
    const patterns = store.users.get(caller)!.roles.flatMap((role) => (store.roles.get(role)?.indices ?? [])
      .filter((grant: any) => (grant.privileges ?? []).includes('read'))
      .flatMap((grant: any) => grant.names as string[]));
    // A requested pattern is covered when a granted glob matches it read literally (its own * dropped).
    const covered = (requested: string) => patterns.some((glob) => globMatches(glob, requested.replace(/\*/g, '')));
    if (!reads || !pattern.split(',').every(covered)) {
      throw new EsError(403, 'security_exception', `action [${method} /${segments.join('/')}] is unauthorized for user [${caller}]`);
    }
  }

  function route(method: string, segments: string[], params: URLSearchParams, rawBody: string): Reply {
    const body = () => parseJson(rawBody);
    const [first, second, third] = segments;
    const is = (m: string, ...path: (string | undefined)[]) =>
      method === m && segments.length === path.length && path.every((p, i) => p === undefined || p === segments[i]);

    if (is('GET') || is('HEAD')) {
      return {
        body: {
          name: 'standin-node',
          cluster_name: CLUSTER_NAME,
          cluster_uuid: 'standin-cluster-uuid',
          version: {
            number: VERSION,
            build_flavor: 'default',
            build_type: 'docker',
            build_hash: 'standin',
            build_date: '2025-01-01T00:00:00.000Z',
            build_snapshot: false,
            lucene_version: '9.12.2',
            minimum_wire_compatibility_version: '7.17.0',
            minimum_index_compatibility_version: '7.0.0',
          },
          tagline: 'You Know, for Search',
        },
      };
    }
    if (is('GET', '_cluster', 'health')) {
      return {
        body: {
          cluster_name: CLUSTER_NAME,
          status: 'green',
          timed_out: false,
          number_of_nodes: 1,
          number_of_data_nodes: 1,
          active_primary_shards: store.indices.size,
          active_shards: store.indices.size,
          relocating_shards: 0,
          initializing_shards: 0,
          unassigned_shards: 0,
        },
      };
    }
    if (is('POST', '_bulk') || is('PUT', '_bulk')) return bulk(rawBody, undefined);
    if (is('POST', undefined, '_bulk') || is('PUT', undefined, '_bulk')) return bulk(rawBody, first);
    if (is('GET', '_cat', 'count') || is('GET', '_cat', 'count', undefined)) return catCount(third, params);
    if (is('GET', '_cat', 'indices') || is('GET', '_cat', 'indices', undefined)) return catIndices(third, params);

    for (const [prefix, templates] of [
      ['_index_template', store.indexTemplates],
      ['_template', store.legacyTemplates],
    ] as const) {
      if (first !== prefix || segments.length !== 2) continue;
      if (method === 'PUT' || method === 'POST') {
        templates.set(second, body());
        return { body: { acknowledged: true } };
      }
      if (method === 'GET' || method === 'HEAD') {
        const template = templates.get(second);
        if (prefix === '_template') return template ? { body: { [second]: template } } : { status: 404, body: {} };
        if (!template) throw new EsError(404, 'resource_not_found_exception', `index template matching [${second}] not found`);
        return { body: { index_templates: [{ name: second, index_template: template }] } };
      }
    }

    if (first === '_ilm' && second === 'policy' && segments.length === 3) {
      if (method === 'PUT') {
        const previous = store.ilmPolicies.get(third);
        store.ilmPolicies.set(third, { version: (previous?.version ?? 0) + 1, modified_date: new Date().toISOString(), policy: body()?.policy });
        return { body: { acknowledged: true } };
      }
      if (method === 'GET') {
        const policy = store.ilmPolicies.get(third);
        if (!policy) throw new EsError(404, 'resource_not_found_exception', `Lifecycle policy not found: ${third}`);
        return { body: { [third]: policy } };
      }
    }
    if (first === '_plugins' && second === '_ism') return ism(method, segments.slice(2), params, body());

    // "/_count" and "/_search" cover every index, "/<pattern>/_count" and "/<pattern>/_search" the matching ones.
    const [indexPattern, action] = segments.length === 1 ? [undefined, first] : [first, second];
    if ((method === 'GET' || method === 'POST') && segments.length <= 2 && action === '_count') {
      const count = documentsOf(indexPattern).filter((doc) => matchesQuery(doc.source, body()?.query ?? { match_all: {} })).length;
      return { body: { count, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } } };
    }
    if ((method === 'GET' || method === 'POST') && segments.length <= 2 && action === '_search') return search(indexPattern, body());
    if (first?.startsWith('_')) throw noHandler(method, segments);
    if (segments.length === 1) {
      if (method === 'HEAD') return { status: store.indices.has(first) ? 200 : 404, body: {} };
      if (method === 'PUT') {
        if (store.indices.has(first)) throw new EsError(400, 'resource_already_exists_exception', `index [${first}] already exists`);
        store.ensureIndex(first, body() ?? {});
        return { body: { acknowledged: true, shards_acknowledged: true, index: first } };
      }
      if (method === 'DELETE') {
        // Names only: real clusters refuse wildcard deletes by default (action.destructive_requires_name).
        if (!store.indices.delete(first)) throw new EsError(404, 'index_not_found_exception', `no such index [${first}]`);
        return { body: { acknowledged: true } };
      }
    }
    // Settings by flat key (as with flat_settings=true), all or only the named one.
    if (method === 'GET' && second === '_settings' && segments.length <= 3) {
      return {
        body: Object.fromEntries(resolveIndices(first).map((name) => {
          const settings = store.indices.get(name)!.settings;
          return [name, { settings: third === undefined ? settings : Object.fromEntries(Object.entries(settings).filter(([key]) => key === third)) }];
        })),
      };
    }
    if (method === 'PUT' && second === '_settings' && segments.length === 2) {
      const names = resolveIndices(first);
      if (names.length === 0 && params.get('allow_no_indices') === 'false') throw new EsError(404, 'index_not_found_exception', `no such index [${first}]`);
      const settings = flatten(body() ?? {});
      for (const name of names) Object.assign(store.indices.get(name)!.settings, settings);
      return { body: { acknowledged: true } };
    }
    if ((method === 'POST' || method === 'GET') && second === '_refresh' && segments.length === 2) {
      const shards = resolveIndices(first).length;
      return { body: { _shards: { total: shards, successful: shards, failed: 0 } } };
    }
    throw noHandler(method, segments);
  }

  /** OpenSearch's index state management: policies (with optimistic concurrency) and adding one to indices. */
  function ism(method: string, rest: string[], params: URLSearchParams, body: any): Reply {
    const [kind, name] = rest;
    if (kind === 'policies' && rest.length === 2) {
      const existing = store.ismPolicies.get(name);
      if (method === 'GET') {
        if (!existing) throw new EsError(404, 'status_exception', 'Policy not found');
        return { body: { _id: name, _version: existing.seqNo + 1, _seq_no: existing.seqNo, _primary_term: existing.primaryTerm, policy: { policy_id: name, ...existing.policy } } };
      }
      if (method === 'PUT') {
        if (existing && (params.get('if_seq_no') !== String(existing.seqNo) || params.get('if_primary_term') !== String(existing.primaryTerm))) {
          throw new EsError(409, 'version_conflict_engine_exception', `[${name}]: version conflict, required seqNo [${params.get('if_seq_no')}], primary term [${params.get('if_primary_term')}]. current document has seqNo [${existing.seqNo}] and primary term [${existing.primaryTerm}]`);
        }
        const seqNo = existing ? existing.seqNo + 1 : 0;
        store.ismPolicies.set(name, { policy: body?.policy, seqNo, primaryTerm: 1 });
        return { status: existing ? 200 : 201, body: { _id: name, _version: seqNo + 1, _seq_no: seqNo, _primary_term: 1, policy: { policy: body?.policy } } };
      }
    }
    if (kind === 'add' && rest.length === 2 && method === 'POST') {
      const policyId = body?.policy_id;
      if (!store.ismPolicies.has(policyId)) throw new EsError(404, 'status_exception', `Could not find policy=${policyId}`);
      const failed: unknown[] = [];
      let updated = 0;
      for (const index of resolveIndices(name)) {
        const managed = store.indices.get(index)!;
        if (managed.ismPolicy) {
          failed.push({ index_name: index, index_uuid: index, reason: 'This index already has a policy, use the update policy API to update index policies' });
        } else {
          managed.ismPolicy = policyId;
          updated++;
        }
      }
      return { body: { updated_indices: updated, failures: failed.length > 0, failed_indices: failed } };
    }
    throw noHandler(method, ['_plugins', '_ism', ...rest]);
  }

  let bulkDelayMs = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (bulkDelayMs > 0 && /\/_bulk$/.test(new URL(req.url ?? '/', 'http://standin').pathname)) setTimeout(answer, bulkDelayMs);
      else answer();
    });
    function answer() {
      const url = new URL(req.url ?? '/', 'http://standin');
      const method = req.method ?? 'GET';
      requestLog.push(`${method} ${url.pathname}${url.search}`);
      let reply: Reply;
      const headers: Record<string, string> = { 'x-elastic-product': 'Elasticsearch' };
      try {
        const caller = nativeUser(req.headers.authorization);
        if (expectedAuth && req.headers.authorization !== expectedAuth && caller === undefined) {
          const user = req.headers.authorization ? `unable to authenticate user [${opts.username}]` : 'missing authentication credentials';
          throw new EsError(401, 'security_exception', `${user} for REST request [${url.pathname}]`, {
            'www-authenticate': 'Basic realm="security", charset="UTF-8"',
          });
        }
        if (sigV4Scope && !sigV4Scope.test(req.headers.authorization ?? '')) {
          // What an OpenSearch domain answers a request it cannot attribute to an allowed principal.
          throw new EsError(403, 'security_exception', `no SigV4 signature for region ${opts.sigV4!.region} and service es on [${url.pathname}]`);
        }
        // Path segments are URL-encoded by clients (e.g. "a%2Cb" for "a,b").
        const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
        if (segments[0] === '_security') {
          reply = security(method, segments, caller, Buffer.concat(chunks).toString('utf8'));
        } else {
          if (caller !== undefined) authorizeRead(caller, method, segments);
          reply = route(method, segments, url.searchParams, Buffer.concat(chunks).toString('utf8'));
        }
      } catch (err) {
        const error = err instanceof EsError ? err : new EsError(500, 'exception', `stand-in failure: ${String(err)}`);
        Object.assign(headers, error.headers);
        reply = { status: error.status, body: error.body() };
      }
      const text = typeof reply.body === 'string';
      headers['content-type'] = text ? 'text/plain; charset=UTF-8' : 'application/json';
      res.writeHead(reply.status ?? 200, headers);
      res.end(text ? reply.body : JSON.stringify(reply.body));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: opts.port ?? 0 }, resolve);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    requestLog,
    documents: (indexPattern) => documentsOf(indexPattern),
    answerBulkAfter: (ms) => { bulkDelayMs = ms; },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * What Elasticsearch answers for a document its index's mappings refuse: `_id` in the source, a value that is not of
 * its field's mapped type (unless the index has index.mapping.ignore_malformed, which covers numbers, dates and IPs),
 * or a keyword too long for one term without ignore_above.
 */
function mappingError(source: any, index: EsIndex, id: string): { type: string; reason: string } | undefined {
  if (source !== null && typeof source === 'object' && '_id' in source) {
    return { type: 'document_parsing_exception', reason: '[1:2] Field [_id] is a metadata field and cannot be added inside a document. Use the index API request parameters.' };
  }
  const ignoreMalformed = String(index.settings['index.mapping.ignore_malformed']) === 'true';
  for (const [field, mapping] of Object.entries<any>(index.mappings?.properties ?? {})) {
    for (const value of [source?.[field]].flat()) {
      if (value === null || value === undefined) continue;
      const isText = mapping.type === 'keyword' || mapping.type === 'text';
      if (mapping.type === 'keyword' && typeof value === 'string' && Buffer.byteLength(value) > 32766 && !(value.length > (mapping.ignore_above ?? Infinity))) {
        return { type: 'illegal_argument_exception', reason: `Document contains at least one immense term in field="${field}" (whose UTF8 encoding is longer than the max length 32766)` };
      }
      if (fitsType(value, mapping.type) || (ignoreMalformed && !isText)) continue;
      return {
        type: 'document_parsing_exception',
        reason: `[1:2] failed to parse field [${field}] of type [${mapping.type}] in document with id '${id}'. Preview of field's value: '${typeof value === 'object' ? JSON.stringify(value) : String(value)}'`,
      };
    }
  }
  return undefined;
}

/** Whether Elasticsearch would take the value for a field of this type (numbers given as strings are coerced, as by default). */
function fitsType(value: unknown, type: string): boolean {
  const numeric = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(v));
  switch (type) {
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return numeric(value);
    case 'ip':
      return typeof value === 'string' && isIP(value) !== 0;
    case 'date':
      return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
    case 'keyword':
    case 'text':
      return ['string', 'number', 'boolean'].includes(typeof value);
    default:
      return true;
  }
}

function noHandler(method: string, segments: string[]): EsError {
  return new EsError(400, 'illegal_argument_exception', `no handler found for uri [/${segments.join('/')}] and method [${method}] (not supported by the stand-in)`);
}

function parseJson(text: string): any {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new EsError(400, 'parsing_exception', `failed to parse JSON: ${text.slice(0, 100)}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Field value by name: a literal key ("log.level" stored flat) wins over a
 * dotted path into objects. A ".keyword" suffix is dropped, since dynamic
 * mapping would give every string field that exact-value sub-field.
 */
function fieldValue(source: any, field: string): unknown {
  const name = field.endsWith('.keyword') ? field.slice(0, -'.keyword'.length) : field;
  if (source !== null && typeof source === 'object' && name in source) return source[name];
  return name.split('.').reduce<any>((value, key) => (value !== null && typeof value === 'object' ? value[key] : undefined), source);
}

/** Every string/number/boolean leaf of a document, for query_string without a field. */
function leafValues(value: unknown): unknown[] {
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(leafValues);
  return [value];
}

/** Case-insensitive substring, standing in for analysed full-text matching. */
function containsText(value: unknown, text: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => v !== undefined && v !== null && String(v).toLowerCase().includes(String(text).toLowerCase()));
}

/** {field: value} or {field: {<key>: value}} as term/match/match_phrase accept. */
function fieldAndArgument(clause: any, key: string): [string, unknown] {
  const [field, arg] = Object.entries(clause ?? {})[0] ?? [];
  if (field === undefined) throw new EsError(400, 'parsing_exception', 'query malformed, no field');
  return [field, arg !== null && typeof arg === 'object' ? (arg as any)[key] : arg];
}

/**
 * Query subset:
 * - match_all
 * - term: exact equality (any element of an array field); terms: any of the values
 * - match / match_phrase: case-insensitive SUBSTRING of the field's text (no analysis, no OR of terms)
 * - query_string: its query (surrounding quotes removed) as a case-insensitive substring of
 *   default_field / fields, or of any value in the document
 * - range with gte/gt/lte/lt: numbers as numbers, other values as dates (ISO strings or epoch milliseconds)
 * - bool with must and/or filter arrays (or single clauses) of the above
 * Anything else is a 400 parsing_exception rather than a silent guess.
 */
function matchesQuery(source: any, query: any): boolean {
  const [type, clause] = Object.entries<any>(query ?? {})[0] ?? [];
  switch (type) {
    case 'match_all':
      return true;
    case 'term': {
      const [field, value] = fieldAndArgument(clause, 'value');
      const actual = fieldValue(source, field);
      return Array.isArray(actual) ? actual.includes(value) : actual === value;
    }
    case 'terms': {
      const [field, values] = Object.entries(clause ?? {})[0] ?? [];
      if (field === undefined || !Array.isArray(values)) throw new EsError(400, 'parsing_exception', '[terms] query malformed, expected a field and an array of values');
      const actual = [fieldValue(source, field)].flat();
      return actual.some((value) => values.includes(value));
    }
    case 'match':
    case 'match_phrase': {
      const [field, text] = fieldAndArgument(clause, 'query');
      return containsText(fieldValue(source, field), text);
    }
    case 'query_string': {
      const text = String(clause.query).replace(/^"(.*)"$/, '$1');
      const fields: string[] | undefined = clause.fields ?? (clause.default_field ? [clause.default_field] : undefined);
      const values = fields ? fields.map((field) => fieldValue(source, field)) : leafValues(source);
      return values.some((value) => containsText(value, text));
    }
    case 'range': {
      const [field, bounds] = Object.entries<any>(clause ?? {})[0] ?? [];
      if (field === undefined) throw new EsError(400, 'parsing_exception', 'query malformed, no field');
      const value = (v: unknown) => (typeof v === 'number' ? v : Date.parse(String(v)));
      const actual = fieldValue(source, field);
      if (actual === undefined || actual === null) return false;
      const x = value(actual);
      const checks: [string, (bound: number) => boolean][] = [['gte', (b) => x >= b], ['gt', (b) => x > b], ['lte', (b) => x <= b], ['lt', (b) => x < b]];
      return checks.every(([key, check]) => bounds[key] === undefined || check(value(bounds[key])));
    }
    case 'bool': {
      const unsupported = Object.keys(clause).filter((key) => key !== 'must' && key !== 'filter');
      if (unsupported.length > 0) throw new EsError(400, 'parsing_exception', `bool clause [${unsupported.join(', ')}] not supported by the stand-in`);
      const clauses = [clause.must ?? [], clause.filter ?? []].flat();
      return clauses.every((sub: any) => matchesQuery(source, sub));
    }
    default:
      throw new EsError(400, 'parsing_exception', `unknown query [${type}] (not supported by the stand-in)`);
  }
}
