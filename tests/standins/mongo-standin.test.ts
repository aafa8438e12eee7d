import * as net from 'node:net';
import { Document, ObjectId, deserialize, serialize } from 'bson';
import { MongoBulkWriteError, MongoClient, MongoServerError } from 'mongodb';
import { MongoStandin, startMongoStandin } from './mongo-standin';

const USER = 'fluentd';
const PASSWORD = 'p@ss:word';
// Fail fast instead of the driver's 30 s server selection when something is wrong.
const CLIENT_OPTIONS = { serverSelectionTimeoutMS: 3000 };

describe('mongo stand-in through the mongodb driver (with credentials)', () => {
  let standin: MongoStandin;
  let client: MongoClient;

  const logs = [
    { path: '/health', status: 200, time: new Date('2026-11-25T10:00:00Z'), req: { method: 'GET' } },
    { path: '/api/orders', status: 404, time: new Date('2026-11-25T11:00:00Z'), req: { method: 'POST' } },
    { path: '/api/users', status: 500, time: new Date('2026-11-25T12:00:00Z'), req: { method: 'GET' } },
  ];

  beforeAll(async () => {
    standin = await startMongoStandin({ username: USER, password: PASSWORD });
    client = await new MongoClient(standin.uri, CLIENT_OPTIONS).connect();
    await client.db('logs').collection('access').insertMany(logs.map((doc) => ({ ...doc })));
  });

  afterAll(async () => {
    await client?.close();
    await standin?.stop();
  });

  test('uri carries the credentials and authSource', () => {
    expect(standin.uri).toBe(`mongodb://fluentd:p%40ss%3Aword@127.0.0.1:${standin.port}/?authSource=admin`);
  });

  test('the driver handshakes with legacy ismaster, then authenticates with SASL', () => {
    // Monitoring connections interleave their own ismaster, so check order rather than exact positions.
    const log = standin.commandLog;
    expect(log[0]).toBe('ismaster');
    expect(log.indexOf('saslStart')).toBeGreaterThan(0);
    expect(log.indexOf('saslContinue')).toBeGreaterThan(log.indexOf('saslStart'));
    expect(log.indexOf('insert')).toBeGreaterThan(log.indexOf('saslContinue'));
  });

  test('stored documents keep BSON types and get an ObjectId _id', () => {
    const stored = standin.documents('logs', 'access');
    expect(stored).toHaveLength(3);
    expect(stored[0]._id).toBeInstanceOf(ObjectId);
    expect(stored[0].time).toBeInstanceOf(Date);
    expect(stored[0].time.toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(stored[0].req).toEqual({ method: 'GET' });
  });

  test('find supports equality, dotted fields, $regex, RegExp, $in, ranges and limit', async () => {
    const access = client.db('logs').collection('access');
    const paths = async (filter: Document, limit = 0) => (await access.find(filter, { limit }).toArray()).map((doc) => doc.path);

    expect(await paths({ status: 404 })).toEqual(['/api/orders']);
    expect(await paths({ 'req.method': 'GET' })).toEqual(['/health', '/api/users']);
    expect(await paths({ path: { $regex: '^/API', $options: 'i' } })).toEqual(['/api/orders', '/api/users']);
    expect(await paths({ path: /users$/ })).toEqual(['/api/users']);
    expect(await paths({ status: { $in: [200, 500] } })).toEqual(['/health', '/api/users']);
    expect(await paths({ status: { $gte: 404, $lt: 500 } })).toEqual(['/api/orders']);
    expect(await paths({ time: { $gt: new Date('2026-11-25T10:30:00Z'), $lte: new Date('2026-11-25T11:00:00Z') } })).toEqual([
      '/api/orders',
    ]);
    expect(await paths({}, 2)).toEqual(['/health', '/api/orders']);
    expect(await paths({ status: 999 })).toEqual([]);
  });

  test('returned documents round-trip Date and ObjectId', async () => {
    const doc = await client.db('logs').collection('access').findOne({ status: 500 });
    expect(doc?.time).toEqual(new Date('2026-11-25T12:00:00Z'));
    expect(doc?._id).toBeInstanceOf(ObjectId);
    expect(await client.db('logs').collection('access').countDocuments({ _id: doc?._id })).toBe(1);
  });

  test('countDocuments (aggregate $match + $group) and count', async () => {
    const access = client.db('logs').collection('access');
    expect(await access.countDocuments({ status: { $gte: 400 } })).toBe(2);
    expect(await access.countDocuments({}, { skip: 1, limit: 1 })).toBe(1);
    expect(await access.countDocuments({ status: 999 })).toBe(0);
    expect(await access.estimatedDocumentCount()).toBe(3);
    expect(await client.db('logs').collection('missing').countDocuments()).toBe(0);
    expect(standin.commandLog).toEqual(expect.arrayContaining(['aggregate', 'count']));
  });

  test('aggregate can group by a field', async () => {
    const groups = await client
      .db('logs')
      .collection('access')
      .aggregate([{ $group: { _id: '$req.method', n: { $sum: 1 } } }])
      .toArray();
    expect(groups).toEqual([
      { _id: 'GET', n: 2 },
      { _id: 'POST', n: 1 },
    ]);
  });

  test('createIndex stores expireAfterSeconds and listIndexes returns it', async () => {
    const access = client.db('logs').collection('access');
    expect(await access.createIndex({ time: 1 }, { expireAfterSeconds: 3600 })).toBe('time_1');
    expect(standin.indexes('logs', 'access')).toContainEqual(expect.objectContaining({ name: 'time_1', key: { time: 1 }, expireAfterSeconds: 3600 }));
    const indexes = await access.indexes();
    expect(indexes.map((index) => index.name)).toEqual(['_id_', 'time_1']);
  });

  test('listCollections, create with options, drop', async () => {
    const db = client.db('logs');
    await db.createCollection('capped', { capped: true, size: 4096 });
    await expect(db.createCollection('capped')).rejects.toMatchObject({ code: 48 });

    const all = await db.listCollections().toArray();
    expect(all.map((info) => info.name).sort()).toEqual(['access', 'capped']);
    const filtered = await db.listCollections({ name: 'capped' }).toArray();
    expect(filtered).toEqual([expect.objectContaining({ name: 'capped', type: 'collection', options: expect.objectContaining({ capped: true, size: 4096 }) })]);

    expect(await db.collection('capped').drop()).toBe(true);
    expect((await db.listCollections().toArray()).map((info) => info.name)).toEqual(['access']);
  });

  test('unknown commands fail with code 59', async () => {
    await expect(client.db('admin').command({ frobnicate: 1 })).rejects.toMatchObject({
      code: 59,
      errmsg: "no such command: 'frobnicate'",
    });
  });

  test('buildInfo, getParameter, getMore, killCursors and dropDatabase answer like a server', async () => {
    const admin = client.db('admin');
    expect(await admin.command({ buildInfo: 1 })).toMatchObject({ version: '7.0.0', ok: 1 });
    expect(await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 })).toMatchObject({
      featureCompatibilityVersion: { version: '7.0' },
    });
    expect(await client.db('logs').command({ getMore: 5, collection: 'access' })).toMatchObject({ cursor: { nextBatch: [] } });
    expect(await client.db('logs').command({ killCursors: 'access', cursors: [5] })).toMatchObject({ cursorsNotFound: [5] });

    await client.db('scratch').collection('c').insertOne({ x: 1 });
    expect(await client.db('scratch').dropDatabase()).toBe(true);
    expect(standin.documents('scratch', 'c')).toEqual([]);
  });

  test('SCRAM-SHA-1 authenticates too', async () => {
    const sha1 = await new MongoClient(`${standin.uri}&authMechanism=SCRAM-SHA-1`, CLIENT_OPTIONS).connect();
    try {
      expect(await sha1.db('logs').collection('access').countDocuments()).toBe(3);
    } finally {
      await sha1.close();
    }
  });

  test('a wrong password is refused with an authentication error', async () => {
    const uri = standin.uri.replace(encodeURIComponent(PASSWORD), 'wrong');
    const bad = new MongoClient(uri, CLIENT_OPTIONS);
    try {
      await expect(bad.connect()).rejects.toThrow(/Authentication failed/);
    } finally {
      await bad.close();
    }
  });

  test('commands without authentication are refused with code 13', async () => {
    const anonymous = await new MongoClient(`mongodb://127.0.0.1:${standin.port}/`, CLIENT_OPTIONS).connect();
    try {
      const error = await anonymous.db('logs').collection('access').find({}).toArray().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(MongoServerError);
      expect(error).toMatchObject({ code: 13, codeName: 'Unauthorized' });
      // The handshake and ping stay open to everyone.
      expect(await anonymous.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
    } finally {
      await anonymous.close();
    }
  });
});

describe('mongo stand-in users and roles', () => {
  let standin: MongoStandin;
  let root: MongoClient;
  const as = (username: string, password: string) =>
    new MongoClient(standin.uri.replace(/\/\/[^@]*@/, `//${encodeURIComponent(username)}:${encodeURIComponent(password)}@`), CLIENT_OPTIONS);

  beforeAll(async () => {
    standin = await startMongoStandin({ username: USER, password: PASSWORD });
    root = await new MongoClient(standin.uri, CLIENT_OPTIONS).connect();
    await root.db('logs').collection('access').insertOne({ path: '/' });
    await root.db('admin').command({ createUser: 'reader', pwd: 'r-pw', roles: [{ role: 'read', db: 'logs' }] });
  });

  afterAll(async () => {
    await root?.close();
    await standin?.stop();
  });

  test('a user with read on a database finds there, and may not write it, read another or manage users', async () => {
    const reader = await as('reader', 'r-pw').connect();
    try {
      expect(await reader.db('logs').collection('access').countDocuments({})).toBe(1);
      await expect(reader.db('logs').collection('access').insertOne({ path: '/x' })).rejects.toMatchObject({ code: 13, codeName: 'Unauthorized' });
      await expect(reader.db('other').collection('x').findOne({})).rejects.toMatchObject({ code: 13 });
      await expect(reader.db('admin').command({ createUser: 'evil', pwd: 'x', roles: [{ role: 'root', db: 'admin' }] })).rejects.toMatchObject({ code: 13 });
    } finally {
      await reader.close();
    }
  });

  test('usersInfo finds a user; updateUser sets its password and roles; a wrong password fails authentication', async () => {
    const admin = root.db('admin');
    expect((await admin.command({ usersInfo: 'reader' })).users).toEqual([expect.objectContaining({ user: 'reader', roles: [{ role: 'read', db: 'logs' }] })]);
    expect((await admin.command({ usersInfo: 'nobody' })).users).toEqual([]);
    await admin.command({ updateUser: 'reader', pwd: 'new-pw', roles: [{ role: 'readWrite', db: 'logs' }] });
    await expect(as('reader', 'r-pw').connect()).rejects.toThrow(/Authentication failed/);
    const writer = await as('reader', 'new-pw').connect();
    try {
      await writer.db('logs').collection('access').insertOne({ path: '/y' });
    } finally {
      await writer.close();
    }
    await expect(admin.command({ createUser: 'reader', pwd: 'x', roles: [] })).rejects.toMatchObject({ code: 51003 });
    await expect(admin.command({ createUser: 'x', pwd: 'x', roles: [{ role: 'dbOwner', db: 'logs' }] })).rejects.toMatchObject({ codeName: 'RoleNotFound' });
  });
});

describe('mongo stand-in failure injection and restarts', () => {
  let standin: MongoStandin;

  beforeAll(async () => {
    standin = await startMongoStandin({ rejectInsertsMatching: (doc) => (doc.bad ? `document ${doc.n} failed validation` : undefined) });
  });

  afterAll(async () => {
    await standin?.stop();
  });

  test('uri has no credentials when none are configured', () => {
    expect(standin.uri).toBe(`mongodb://127.0.0.1:${standin.port}/`);
  });

  test('a rejected document gets writeErrors code 121; unordered batches store the others', async () => {
    const client = await new MongoClient(standin.uri, CLIENT_OPTIONS).connect();
    try {
      const batch = [{ n: 1 }, { n: 2, bad: true }, { n: 3 }];
      const unordered = await client.db('t').collection('unordered').insertMany(batch, { ordered: false }).catch((err: unknown) => err);
      expect(unordered).toBeInstanceOf(MongoBulkWriteError);
      const bulkError = unordered as MongoBulkWriteError;
      expect(bulkError.insertedCount).toBe(2);
      const writeErrors = Array.isArray(bulkError.writeErrors) ? bulkError.writeErrors : [bulkError.writeErrors];
      expect(writeErrors.map((e) => ({ index: e.index, code: e.code, errmsg: e.errmsg }))).toEqual([
        { index: 1, code: 121, errmsg: 'document 2 failed validation' },
      ]);
      expect(standin.documents('t', 'unordered').map((doc) => doc.n)).toEqual([1, 3]);

      // An ordered batch (the default, and fluent-plugin-mongo's) stops at the first failure, as on a real server.
      await expect(client.db('t').collection('ordered').insertMany(batch)).rejects.toBeInstanceOf(MongoBulkWriteError);
      expect(standin.documents('t', 'ordered').map((doc) => doc.n)).toEqual([1]);
    } finally {
      await client.close();
    }
  });

  test('a taken _id is refused with E11000 (duplicate key); unordered batches store the new ones', async () => {
    const client = await new MongoClient(standin.uri, CLIENT_OPTIONS).connect();
    try {
      const ids = client.db('t').collection<{ _id: string; n: number }>('ids');
      await ids.insertMany([{ _id: 'event-a', n: 1 }, { _id: 'event-b', n: 2 }]);
      // A resent batch: two known events and a new one between them.
      const resent = await ids.insertMany([{ _id: 'event-a', n: 1 }, { _id: 'event-c', n: 3 }, { _id: 'event-b', n: 2 }], { ordered: false })
        .catch((err: unknown) => err as MongoBulkWriteError);
      expect(resent).toBeInstanceOf(MongoBulkWriteError);
      expect((resent as MongoBulkWriteError).insertedCount).toBe(1);
      const writeErrors = [(resent as MongoBulkWriteError).writeErrors].flat();
      expect(writeErrors.map((e) => ({ index: e.index, code: e.code }))).toEqual([{ index: 0, code: 11000 }, { index: 2, code: 11000 }]);
      expect(writeErrors[0].errmsg).toBe('E11000 duplicate key error collection: t.ids index: _id_ dup key: { _id: "event-a" }');
      expect(standin.documents('t', 'ids').map((doc) => doc._id)).toEqual(['event-a', 'event-b', 'event-c']);
    } finally {
      await client.close();
    }
  });

  test('a stand-in restarted on the same port with the same store keeps its data', async () => {
    const client = await new MongoClient(standin.uri, CLIENT_OPTIONS).connect();
    await client.db('t').collection('restart').insertOne({ before: true });
    await client.close();

    const { port, store } = standin;
    await standin.stop();
    await expect(new MongoClient(standin.uri, { serverSelectionTimeoutMS: 300 }).connect()).rejects.toThrow();

    standin = await startMongoStandin({ port, store });
    expect(standin.port).toBe(port);
    const again = await new MongoClient(standin.uri, CLIENT_OPTIONS).connect();
    try {
      expect(await again.db('t').collection('restart').countDocuments({ before: true })).toBe(1);
    } finally {
      await again.close();
    }
  });

  test('stop() destroys open client connections', async () => {
    const other = await startMongoStandin();
    const socket = net.connect(other.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await other.stop();
    await expect(closed).resolves.toBeDefined();
  });
});

/** Raw wire messages, as the Ruby driver (fluent-plugin-mongo) sends them, which the Node driver does not. */
describe('mongo stand-in wire protocol details', () => {
  let standin: MongoStandin;

  beforeAll(async () => {
    standin = await startMongoStandin();
  });

  afterAll(async () => {
    await standin?.stop();
  });

  function header(length: number, requestId: number, opCode: number): Buffer {
    const buf = Buffer.alloc(16);
    buf.writeInt32LE(length, 0);
    buf.writeInt32LE(requestId, 4);
    buf.writeInt32LE(0, 8);
    buf.writeInt32LE(opCode, 12);
    return buf;
  }

  function opMsg(requestId: number, body: Document, options: { flags?: number; sequence?: { name: string; documents: Document[] } } = {}): Buffer {
    const flags = Buffer.alloc(4);
    flags.writeUInt32LE(options.flags ?? 0);
    const parts: Buffer[] = [flags, Buffer.from([0]), Buffer.from(serialize(body))];
    if (options.sequence) {
      const payload = Buffer.concat([Buffer.from(`${options.sequence.name}\0`), ...options.sequence.documents.map((doc) => Buffer.from(serialize(doc)))]);
      const size = Buffer.alloc(4);
      size.writeInt32LE(4 + payload.length);
      parts.push(Buffer.from([1]), size, payload);
    }
    const rest = Buffer.concat(parts);
    return Buffer.concat([header(16 + rest.length, requestId, 2013), rest]);
  }

  function opQuery(requestId: number, fullCollectionName: string, query: Document): Buffer {
    const skipAndReturn = Buffer.alloc(8);
    skipAndReturn.writeInt32LE(-1, 4);
    const rest = Buffer.concat([Buffer.alloc(4), Buffer.from(`${fullCollectionName}\0`), skipAndReturn, Buffer.from(serialize(query))]);
    return Buffer.concat([header(16 + rest.length, requestId, 2004), rest]);
  }

  /** Sends the messages and collects `count` replies as {responseTo, opCode, body}. */
  async function exchange(messages: Buffer[], count: number, port = standin.port): Promise<{ responseTo: number; opCode: number; body: Buffer }[]> {
    const socket = net.connect(port, '127.0.0.1');
    const replies: { responseTo: number; opCode: number; body: Buffer }[] = [];
    let pending = Buffer.alloc(0);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.on('error', reject);
        socket.on('data', (chunk) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
            const length = pending.readInt32LE(0);
            replies.push({ responseTo: pending.readInt32LE(8), opCode: pending.readInt32LE(12), body: pending.subarray(16, length) });
            pending = pending.subarray(length);
          }
          if (replies.length >= count) resolve();
        });
        socket.write(Buffer.concat(messages));
      });
    } finally {
      socket.destroy();
    }
    return replies;
  }

  const opMsgDocument = (body: Buffer) => deserialize(body.subarray(5));

  test('OP_QUERY isMaster is answered with an OP_REPLY', async () => {
    const [reply] = await exchange([opQuery(7, 'admin.$cmd', { isMaster: 1, client: { driver: { name: 'mongo-ruby-driver' } } })], 1);
    expect(reply.responseTo).toBe(7);
    expect(reply.opCode).toBe(1);
    expect(reply.body.readInt32LE(16)).toBe(1); // numberReturned
    expect(deserialize(reply.body.subarray(20))).toMatchObject({
      ismaster: true,
      isWritablePrimary: true,
      maxWireVersion: 17,
      minWireVersion: 0,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      logicalSessionTimeoutMinutes: 30,
      localTime: expect.any(Date),
      connectionId: expect.any(Number),
      ok: 1,
    });
  });

  test('insert documents sent as an OP_MSG kind-1 sequence are stored', async () => {
    const [reply] = await exchange(
      [opMsg(11, { insert: 'seq', ordered: true, $db: 'wire' }, { sequence: { name: 'documents', documents: [{ a: 1 }, { a: 2, at: new Date(0) }] } })],
      1,
    );
    expect(reply.responseTo).toBe(11);
    expect(reply.opCode).toBe(2013);
    expect(opMsgDocument(reply.body)).toEqual({ n: 2, ok: 1 });
    expect(standin.documents('wire', 'seq')).toEqual([
      { _id: expect.any(ObjectId), a: 1 },
      { _id: expect.any(ObjectId), a: 2, at: new Date(0) },
    ]);
  });

  test('an OP_MSG with moreToCome (w: 0) gets no reply', async () => {
    const replies = await exchange(
      [opMsg(21, { insert: 'unacked', $db: 'wire', documents: [{ b: 1 }] }, { flags: 1 << 1 }), opMsg(22, { ping: 1, $db: 'admin' })],
      1,
    );
    expect(replies.map((reply) => reply.responseTo)).toEqual([22]);
    expect(standin.documents('wire', 'unacked')).toHaveLength(1);
  });

  test('the handshake offers SCRAM mechanisms only for the configured admin user', async () => {
    const secured = await startMongoStandin({ username: 'u', password: 'p' });
    try {
      const mechanismsFor = async (user: string) => {
        const [reply] = await exchange([opQuery(1, 'admin.$cmd', { isMaster: 1, saslSupportedMechs: user })], 1, secured.port);
        return deserialize(reply.body.subarray(20)).saslSupportedMechs;
      };
      expect(await mechanismsFor('admin.u')).toEqual(['SCRAM-SHA-1', 'SCRAM-SHA-256']);
      expect(await mechanismsFor('admin.someone')).toBeUndefined();
    } finally {
      await secured.stop();
    }
  });
});
