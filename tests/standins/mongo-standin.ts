/**
 * TEST STAND-IN, NOT A DATABASE.
 *
 * A tiny in-memory server that speaks just enough of the MongoDB wire protocol
 * (OP_MSG, plus legacy OP_QUERY/OP_REPLY for the first handshake) for the Node
 * driver (mongodb@6) and the Ruby driver used by fluent-plugin-mongo (mongo
 * 2.15-2.18) to connect, authenticate with SCRAM, insert and read documents.
 * No real MongoDB can be installed where these tests run. It listens on
 * loopback only and keeps everything in memory; there is no durability, no
 * query planner, no cursors beyond the first batch, and no replication.
 *
 * Neither driver needs any admin command beyond the ones handled here while
 * connecting (handshake, SASL, then endSessions on close), so there is no
 * catch-all "{ok: 1}": unknown commands fail loudly as on a real server.
 * As on a real server, `_id` is unique in a collection: inserting a document whose `_id` is taken fails that
 * document with E11000 (duplicate key), and an ordered insert stops there while an unordered one carries on.
 *
 * Users and roles, as far as dle uses them: the user of the options is the root; `createUser`, `updateUser` and
 * `usersInfo` (in `admin`, by the root) add and change users with the built-in roles `read`, `readWrite` and `root`
 * of one database, and every command is refused (code 13, Unauthorized) to a user whose roles do not allow it: `read`
 * may find, count, aggregate and list; `readWrite` may also insert, create and drop; user management is the root's.
 * The users belong to the store (`MongoStore`), so a restarted stand-in keeps them, as a real server's data volume.
 */
import * as net from 'node:net';
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Binary, Document, Long, ObjectId, deserialize, serialize } from 'bson';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
/** OP_MSG flag: the client expects no reply (unacknowledged writes, w: 0). */
const MORE_TO_COME = 1 << 1;

const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
const MAX_WRITE_BATCH_SIZE = 100_000;
/** Lowest count both drivers accept; real servers use more, which only costs CPU here. */
const SCRAM_ITERATIONS = 4096;

/** Commands a client may run before authenticating (handshake, monitoring, SASL, logout). */
const NO_AUTH_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'saslStart', 'saslContinue', 'endSessions']);

export interface StoredCollection {
  options: Document;
  documents: Document[];
  indexes: Document[];
  /** The `_id`s taken (by their BSON encoding), for the unique `_id_` index. */
  ids: Set<string>;
}

/** A built-in role on one database (`root` is on `admin` and covers every database). */
export interface UserRole {
  role: 'read' | 'readWrite' | 'root';
  db: string;
}

export interface StoredUser {
  password: string;
  roles: UserRole[];
}

/** In-memory data, separate from the server so a restarted stand-in can keep it. */
export class MongoStore {
  private readonly databases = new Map<string, Map<string, StoredCollection>>();
  /** Users by name (all authenticate against `admin`). */
  readonly users = new Map<string, StoredUser>();

  collection(db: string, name: string): StoredCollection | undefined {
    return this.databases.get(db)?.get(name);
  }

  ensureCollection(db: string, name: string, options: Document = {}): StoredCollection {
    let collections = this.databases.get(db);
    if (!collections) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    let collection = collections.get(name);
    if (!collection) {
      collection = { options, documents: [], indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }], ids: new Set() };
      collections.set(name, collection);
    }
    return collection;
  }

  collectionNames(db: string): string[] {
    return [...(this.databases.get(db)?.keys() ?? [])];
  }

  dropCollection(db: string, name: string): StoredCollection | undefined {
    const collection = this.collection(db, name);
    this.databases.get(db)?.delete(name);
    return collection;
  }

  dropDatabase(db: string): void {
    this.databases.delete(db);
  }
}

export interface MongoStandinOptions {
  port?: number;
  username?: string;
  password?: string;
  store?: MongoStore;
  /** Return an error message to refuse a document (writeErrors code 121, like a validator). */
  rejectInsertsMatching?: (doc: Document) => string | undefined;
}

export interface MongoStandin {
  host: string;
  port: number;
  uri: string;
  store: MongoStore;
  /** Names of every command received, in order, for assertions. */
  commandLog: string[];
  documents(db: string, collection: string): Document[];
  indexes(db: string, collection: string): Document[];
  /** Closes the listener and destroys open sockets, like a server going away. */
  stop(): Promise<void>;
}

class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

const authenticationFailed = () => new CommandError(18, 'AuthenticationFailed', 'Authentication failed.');

type HashName = 'sha1' | 'sha256';

interface ScramConversation {
  hash: HashName;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
  saltedPassword: Buffer;
}

interface ConnectionState {
  id: number;
  authenticated: boolean;
  /** The user it authenticated as. */
  user?: string;
  scram?: ScramConversation & { user: string };
}

/** Commands by what they need: reading a database, writing it, managing users (the root's). */
const READ_COMMANDS = new Set(['find', 'count', 'aggregate', 'listCollections', 'listIndexes', 'getMore', 'killCursors']);
const WRITE_COMMANDS = new Set(['insert', 'createIndexes', 'drop', 'dropDatabase', 'create']);
const USER_COMMANDS = new Set(['createUser', 'updateUser', 'usersInfo']);
const BUILT_IN_ROLES = new Set(['read', 'readWrite', 'root']);

/** Whether roles allow a command on a database. */
function allowed(roles: UserRole[], command: string, db: string): boolean {
  if (roles.some((r) => r.role === 'root')) return true;
  if (USER_COMMANDS.has(command)) return false;
  const on = roles.filter((r) => r.db === db).map((r) => r.role);
  if (WRITE_COMMANDS.has(command)) return on.includes('readWrite');
  if (READ_COMMANDS.has(command)) return on.includes('read') || on.includes('readWrite');
  // Handshake, monitoring and server information: any authenticated user.
  return true;
}

type Handler = (cmd: Document, db: string, conn: ConnectionState) => Document;

export async function startMongoStandin(opts: MongoStandinOptions = {}): Promise<MongoStandin> {
  const store = opts.store ?? new MongoStore();
  const credentials =
    opts.username !== undefined && opts.password !== undefined ? { username: opts.username, password: opts.password } : undefined;
  if (credentials) store.users.set(credentials.username, { password: credentials.password, roles: [{ role: 'root', db: 'admin' }] });
  const commandLog: string[] = [];
  const sockets = new Set<net.Socket>();
  let nextConnectionId = 1;
  let nextRequestId = 1;

  const cursorReply = (ns: string, firstBatch: Document[]) => ({ cursor: { firstBatch, id: Long.ZERO, ns }, ok: 1 });
  const existingDocuments = (db: string, name: string) => store.collection(db, name)?.documents ?? [];

  const hello: Handler = (cmd, _db, conn) => {
    const reply: Document = {
      helloOk: true,
      isWritablePrimary: true,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
      maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: conn.id,
      minWireVersion: 0,
      maxWireVersion: 17,
      readOnly: false,
      ok: 1,
    };
    // Legacy-named handshakes read "ismaster" rather than "isWritablePrimary".
    if (!('hello' in cmd)) reply.ismaster = true;
    // Drivers ask which mechanisms "admin.<user>" may use and pick SCRAM-SHA-256 if offered.
    if (credentials && typeof cmd.saslSupportedMechs === 'string' && store.users.has(cmd.saslSupportedMechs.replace(/^admin\./, ''))) {
      reply.saslSupportedMechs = ['SCRAM-SHA-1', 'SCRAM-SHA-256'];
    }
    return reply;
  };

  const saslStart: Handler = (cmd, db, conn) => {
    const hash: HashName | undefined =
      cmd.mechanism === 'SCRAM-SHA-256' ? 'sha256' : cmd.mechanism === 'SCRAM-SHA-1' ? 'sha1' : undefined;
    if (!hash) throw new CommandError(334, 'MechanismUnavailable', `Received authentication for mechanism ${cmd.mechanism} which is unknown or not enabled`);
    const clientFirst = payloadText(cmd.payload);
    // Only "n,," (no channel binding) is used by drivers over plain TCP.
    const bare = clientFirst.startsWith('n,,') ? clientFirst.slice(3) : undefined;
    const fields = bare ? scramFields(bare) : {};
    const username = fields.n?.replace(/=2C/g, ',').replace(/=3D/g, '=');
    const user = username === undefined ? undefined : store.users.get(username);
    if (!credentials || !bare || !fields.r || db !== 'admin' || user === undefined) throw authenticationFailed();
    const salt = randomBytes(16);
    const nonce = fields.r + randomBytes(18).toString('base64');
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
    // SCRAM-SHA-1 in MongoDB hashes the MD5 "user:mongo:password" digest, not the password.
    // SCRAM-SHA-256 should SASLprep the password; test passwords are ASCII, for which that is the identity.
    const secret =
      hash === 'sha1' ? createHash('md5').update(`${username}:mongo:${user.password}`).digest('hex') : user.password;
    conn.scram = {
      user: username!,
      hash,
      clientFirstBare: bare,
      serverFirst,
      nonce,
      saltedPassword: pbkdf2Sync(secret, salt, SCRAM_ITERATIONS, hash === 'sha1' ? 20 : 32, hash),
    };
    return { conversationId: 1, done: false, payload: new Binary(Buffer.from(serverFirst)), ok: 1 };
  };

  const saslContinue: Handler = (cmd, _db, conn) => {
    const scram = conn.scram;
    if (!scram) throw new CommandError(17, 'ProtocolError', 'No SASL session state found');
    conn.scram = undefined;
    const clientFinal = payloadText(cmd.payload);
    const proofAt = clientFinal.lastIndexOf(',p=');
    const fields = scramFields(clientFinal);
    if (proofAt < 0 || fields.r !== scram.nonce || !fields.p) throw authenticationFailed();
    const authMessage = `${scram.clientFirstBare},${scram.serverFirst},${clientFinal.slice(0, proofAt)}`;
    const hmac = (key: Buffer, text: string) => createHmac(scram.hash, key).update(text).digest();
    const clientKey = hmac(scram.saltedPassword, 'Client Key');
    const storedKey = createHash(scram.hash).update(clientKey).digest();
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.from(fields.p, 'base64');
    if (proof.length !== clientKey.length) throw authenticationFailed();
    // The proof is ClientKey XOR ClientSignature; recover ClientKey and check it hashes to StoredKey.
    const recoveredKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]));
    if (!timingSafeEqual(createHash(scram.hash).update(recoveredKey).digest(), storedKey)) throw authenticationFailed();
    conn.authenticated = true;
    conn.user = scram.user;
    const serverSignature = hmac(hmac(scram.saltedPassword, 'Server Key'), authMessage).toString('base64');
    // Finish now (done: true), as servers do for skipEmptyExchange; the Node and Ruby drivers
    // both send that option and both accept an early "done" regardless.
    return { conversationId: 1, done: true, payload: new Binary(Buffer.from(`v=${serverSignature}`)), ok: 1 };
  };

  const insert: Handler = (cmd, db) => {
    const collection = store.ensureCollection(db, cmd.insert);
    const ordered = cmd.ordered !== false;
    const writeErrors: Document[] = [];
    let n = 0;
    for (const [index, original] of (cmd.documents as Document[]).entries()) {
      const doc = '_id' in original ? original : { _id: new ObjectId(), ...original };
      const id = Buffer.from(serialize({ _id: doc._id })).toString('hex');
      const reason = opts.rejectInsertsMatching?.(doc);
      const error = reason !== undefined
        ? { index, code: 121, codeName: 'DocumentValidationFailure', errmsg: reason }
        : collection.ids.has(id)
          ? {
            index,
            code: 11000,
            codeName: 'DuplicateKey',
            errmsg: `E11000 duplicate key error collection: ${db}.${cmd.insert} index: _id_ dup key: { _id: ${JSON.stringify(doc._id)} }`,
            keyPattern: { _id: 1 },
            keyValue: { _id: doc._id },
          }
          : undefined;
      if (error) {
        writeErrors.push(error);
        // Like a real server: an ordered batch stops at its first failure, an unordered one carries on.
        if (ordered) break;
        continue;
      }
      collection.ids.add(id);
      collection.documents.push(doc);
      n++;
    }
    return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
  };

  const find: Handler = (cmd, db) => {
    const found = existingDocuments(db, cmd.find).filter((doc) => matches(doc, cmd.filter ?? {}));
    return cursorReply(`${db}.${cmd.find}`, cmd.limit > 0 ? found.slice(0, cmd.limit) : found);
  };

  const createIndexes: Handler = (cmd, db) => {
    const createdCollectionAutomatically = !store.collection(db, cmd.createIndexes);
    const collection = store.ensureCollection(db, cmd.createIndexes);
    const numIndexesBefore = collection.indexes.length;
    for (const spec of cmd.indexes as Document[]) {
      if (!collection.indexes.some((existing) => existing.name === spec.name)) collection.indexes.push({ v: 2, ...spec });
    }
    return { createdCollectionAutomatically, numIndexesBefore, numIndexesAfter: collection.indexes.length, ok: 1 };
  };

  const rolesOf = (cmd: Document): UserRole[] => {
    const roles = (cmd.roles ?? []) as Document[];
    for (const r of roles) {
      if (typeof r !== 'object' || !BUILT_IN_ROLES.has(r.role) || typeof r.db !== 'string') {
        throw new CommandError(31, 'RoleNotFound', `Could not find role: ${JSON.stringify(r)} (the stand-in knows read, readWrite and root)`);
      }
    }
    return roles.map((r) => ({ role: r.role, db: r.db }));
  };
  const userCommand = (db: string) => {
    if (db !== 'admin') throw new CommandError(2, 'BadValue', 'the stand-in keeps users in admin only');
  };

  const handlers: Record<string, Handler> = {
    createUser: (cmd, db) => {
      userCommand(db);
      if (store.users.has(cmd.createUser)) throw new CommandError(51003, 'Location51003', `User "${cmd.createUser}@admin" already exists`);
      store.users.set(cmd.createUser, { password: String(cmd.pwd), roles: rolesOf(cmd) });
      return { ok: 1 };
    },
    updateUser: (cmd, db) => {
      userCommand(db);
      const user = store.users.get(cmd.updateUser);
      if (!user) throw new CommandError(11, 'UserNotFound', `Could not find user "${cmd.updateUser}" for db "admin"`);
      store.users.set(cmd.updateUser, { password: cmd.pwd === undefined ? user.password : String(cmd.pwd), roles: cmd.roles === undefined ? user.roles : rolesOf(cmd) });
      return { ok: 1 };
    },
    usersInfo: (cmd, db) => {
      userCommand(db);
      const user = store.users.get(cmd.usersInfo);
      return { users: user ? [{ _id: `admin.${cmd.usersInfo}`, user: cmd.usersInfo, db: 'admin', roles: user.roles }] : [], ok: 1 };
    },
    hello,
    isMaster: hello,
    ismaster: hello,
    ping: () => ({ ok: 1 }),
    buildInfo: () => ({ version: '7.0.0', versionArray: [7, 0, 0, 0], maxBsonObjectSize: MAX_BSON_OBJECT_SIZE, ok: 1 }),
    getParameter: (cmd) =>
      cmd.featureCompatibilityVersion ? { featureCompatibilityVersion: { version: '7.0' }, ok: 1 } : { ok: 1 },
    saslStart,
    saslContinue,
    endSessions: () => ({ ok: 1 }),
    insert,
    find,
    count: (cmd, db) => ({ n: existingDocuments(db, cmd.count).filter((doc) => matches(doc, cmd.query ?? {})).length, ok: 1 }),
    aggregate: (cmd, db) => cursorReply(`${db}.${cmd.aggregate}`, runPipeline(existingDocuments(db, cmd.aggregate), cmd.pipeline)),
    listCollections: (cmd, db) =>
      cursorReply(
        `${db}.$cmd.listCollections`,
        store
          .collectionNames(db)
          .map((name) => ({ name, type: 'collection', options: store.collection(db, name)?.options ?? {}, info: { readOnly: false } }))
          .filter((info) => matches(info, cmd.filter ?? {})),
      ),
    listIndexes: (cmd, db) => {
      const collection = store.collection(db, cmd.listIndexes);
      if (!collection) throw new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${cmd.listIndexes}`);
      return cursorReply(`${db}.${cmd.listIndexes}`, collection.indexes);
    },
    createIndexes,
    // MongoDB 7.0 answers ok for dropping a collection that does not exist.
    drop: (cmd, db) => ({ ns: `${db}.${cmd.drop}`, nIndexesWas: store.dropCollection(db, cmd.drop)?.indexes.length ?? 0, ok: 1 }),
    dropDatabase: (_cmd, db) => {
      store.dropDatabase(db);
      return { dropped: db, ok: 1 };
    },
    create: (cmd, db) => {
      if (store.collection(db, cmd.create)) throw new CommandError(48, 'NamespaceExists', `Collection ${db}.${cmd.create} already exists.`);
      const { create: _name, $db: _db, lsid: _lsid, ...options } = cmd;
      store.ensureCollection(db, cmd.create, options);
      return { ok: 1 };
    },
    killCursors: (cmd) => ({ cursorsKilled: [], cursorsNotFound: cmd.cursors ?? [], cursorsAlive: [], cursorsUnknown: [], ok: 1 }),
    getMore: (cmd, db) => ({ cursor: { id: Long.ZERO, ns: `${db}.${cmd.collection}`, nextBatch: [] }, ok: 1 }),
  };

  function runCommand(cmd: Document, db: string, conn: ConnectionState): Document {
    const name = Object.keys(cmd)[0] ?? '';
    commandLog.push(name);
    try {
      const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
      if (!handler) throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`);
      if (credentials && !conn.authenticated && !NO_AUTH_COMMANDS.has(name)) {
        throw new CommandError(13, 'Unauthorized', `Command ${name} requires authentication`);
      }
      if (credentials && conn.user !== undefined && !allowed(store.users.get(conn.user)?.roles ?? [], name, db)) {
        throw new CommandError(13, 'Unauthorized', `not authorized on ${db} to execute command { ${name}: ${JSON.stringify(cmd[name])} }`);
      }
      return handler(cmd, db, conn);
    } catch (err) {
      // A handler tripping over an unexpected command shape is reported to the client, not thrown into the test runner.
      if (!(err instanceof CommandError)) return { ok: 0, errmsg: `stand-in failure: ${String(err)}`, code: 1, codeName: 'InternalError' };
      return { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName };
    }
  }

  function handleMessage(socket: net.Socket, conn: ConnectionState, message: Buffer): void {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    const body = message.subarray(16);
    if (opCode === OP_MSG) {
      const { flags, command } = parseOpMsg(body);
      const reply = runCommand(command, command.$db ?? 'admin', conn);
      if (!(flags & MORE_TO_COME)) socket.write(frame(nextRequestId++, requestId, OP_MSG, opMsgBody(reply)));
    } else if (opCode === OP_QUERY) {
      const { db, query } = parseOpQuery(body);
      socket.write(frame(nextRequestId++, requestId, OP_REPLY, opReplyBody(runCommand(query, db, conn))));
    } else {
      // OP_COMPRESSED and older opcodes are never sent: compression is not offered in the handshake.
      socket.destroy(new Error(`mongo stand-in: unsupported opcode ${opCode}`));
    }
  }

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Clients reset connections when a test stops the stand-in; that is not an error here.
    socket.on('error', () => socket.destroy());
    const conn: ConnectionState = { id: nextConnectionId++, authenticated: false };
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        try {
          handleMessage(socket, conn, message);
        } catch (err) {
          // Unparseable framing: drop the connection (the client sees a network error) instead of crashing the test process.
          socket.destroy(err as Error);
          return;
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: opts.port ?? 0 }, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  const auth = credentials ? `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@` : '';

  return {
    host: '127.0.0.1',
    port,
    uri: `mongodb://${auth}127.0.0.1:${port}/${credentials ? '?authSource=admin' : ''}`,
    store,
    commandLog,
    documents: (db, collection) => store.collection(db, collection)?.documents ?? [],
    indexes: (db, collection) => store.collection(db, collection)?.indexes ?? [],
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Kind 0 is the command body; kind 1 carries a field's documents (e.g. insert's "documents") separately. */
function parseOpMsg(body: Buffer): { flags: number; command: Document } {
  const flags = body.readUInt32LE(0);
  let command: Document = {};
  const sequences: Document = {};
  let pos = 4;
  while (pos < body.length) {
    const kind = body[pos++];
    const size = body.readInt32LE(pos);
    if (kind === 0) {
      command = deserialize(body.subarray(pos, pos + size));
    } else if (kind === 1) {
      const nameEnd = body.indexOf(0, pos + 4);
      const documents: Document[] = [];
      for (let at = nameEnd + 1; at < pos + size; at += body.readInt32LE(at)) {
        documents.push(deserialize(body.subarray(at, at + body.readInt32LE(at))));
      }
      sequences[body.toString('utf8', pos + 4, nameEnd)] = documents;
    } else {
      throw new Error(`mongo stand-in: unknown OP_MSG section kind ${kind}`);
    }
    pos += size;
  }
  return { flags, command: { ...command, ...sequences } };
}

/** Legacy OP_QUERY against "<db>.$cmd"; drivers wrap the command in $query when adding read preferences. */
function parseOpQuery(body: Buffer): { db: string; query: Document } {
  const nameEnd = body.indexOf(0, 4);
  const fullCollectionName = body.toString('utf8', 4, nameEnd);
  const queryAt = nameEnd + 1 + 8; // skip numberToSkip and numberToReturn
  const query = deserialize(body.subarray(queryAt, queryAt + body.readInt32LE(queryAt)));
  return { db: fullCollectionName.split('.')[0], query: query.$query ?? query };
}

function frame(requestId: number, responseTo: number, opCode: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

function opMsgBody(doc: Document): Buffer {
  const prefix = Buffer.alloc(5); // flagBits 0, then section kind 0
  return Buffer.concat([prefix, serialize(doc)]);
}

function opReplyBody(doc: Document): Buffer {
  const prefix = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom: all 0
  prefix.writeInt32LE(1, 16); // numberReturned
  return Buffer.concat([prefix, serialize(doc)]);
}

function payloadText(payload: unknown): string {
  return payload instanceof Binary ? payload.toString('utf8') : String(payload ?? '');
}

/** "a=1,b=2" -> {a: "1", b: "2"}; values may themselves contain "=" (base64). */
function scramFields(message: string): Record<string, string> {
  return Object.fromEntries(
    message.split(',').map((part) => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq), part.slice(eq + 1)];
    }),
  );
}

/** Value at a dotted path ("a.b.c"); undefined when any step is missing. */
function lookup(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Document)[key] : undefined), doc);
}

/**
 * Query filter subset: implicit equality (top-level or dotted field, arrays
 * match on any element, null matches missing), a RegExp value, $regex/$options,
 * $in, $gt/$gte/$lt/$lte. Any other operator is refused rather than guessed at.
 */
function matches(doc: Document, filter: Document): boolean {
  return Object.entries(filter).every(([path, condition]) => valueMatches(lookup(doc, path), condition));
}

function valueMatches(value: unknown, condition: unknown): boolean {
  if (condition instanceof RegExp) return regexMatches(value, condition);
  if (!isOperatorObject(condition)) return equals(value, condition);
  return Object.entries(condition).every(([op, arg]) => {
    switch (op) {
      case '$regex':
        return regexMatches(value, arg instanceof RegExp ? arg : new RegExp(String(arg), condition.$options ?? ''));
      case '$options':
        return true; // consumed by $regex
      case '$in':
        return (arg as unknown[]).some((candidate) => valueMatches(value, candidate));
      case '$gt':
        return compare(value, arg, (c) => c > 0);
      case '$gte':
        return compare(value, arg, (c) => c >= 0);
      case '$lt':
        return compare(value, arg, (c) => c < 0);
      case '$lte':
        return compare(value, arg, (c) => c <= 0);
      default:
        throw new CommandError(2, 'BadValue', `unknown operator: ${op} (not supported by the stand-in)`);
    }
  });
}

function isOperatorObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('$'));
}

function regexMatches(value: unknown, re: RegExp): boolean {
  if (Array.isArray(value)) return value.some((element) => regexMatches(element, re));
  return typeof value === 'string' && re.test(value);
}

function equals(value: unknown, expected: unknown): boolean {
  if (expected === null) return value === null || value === undefined;
  if (Array.isArray(value) && !Array.isArray(expected) && value.some((element) => equals(element, expected))) return true;
  if (typeof expected !== 'object') return value === expected;
  // Dates, ObjectIds and sub-documents compare by their BSON encoding, field order included, as MongoDB does.
  return value !== null && typeof value === 'object' && Buffer.from(serialize({ v: value })).equals(serialize({ v: expected }));
}

/** Numbers, strings and Dates compare only with their own kind (MongoDB's type bracketing). */
function compare(value: unknown, bound: unknown, accept: (comparison: number) => boolean): boolean {
  if (Array.isArray(value)) return value.some((element) => compare(element, bound, accept));
  if (value instanceof Date && bound instanceof Date) return accept(value.getTime() - bound.getTime());
  if (typeof value === 'number' && typeof bound === 'number') return accept(value - bound);
  if (typeof value === 'string' && typeof bound === 'string') return accept(value < bound ? -1 : value > bound ? 1 : 0);
  return false;
}

/** Aggregation subset: $match, $skip, $limit and $group whose accumulators are all {$sum: <number>}. */
function runPipeline(documents: Document[], pipeline: Document[]): Document[] {
  return pipeline.reduce<Document[]>((docs, stage) => {
    const [name, spec] = Object.entries(stage)[0] ?? [];
    switch (name) {
      case '$match':
        return docs.filter((doc) => matches(doc, spec));
      case '$skip':
        return docs.slice(spec);
      case '$limit':
        return docs.slice(0, spec);
      case '$group':
        return group(docs, spec);
      default:
        throw new CommandError(40324, 'Location40324', `Unrecognized pipeline stage name: '${name}' (not supported by the stand-in)`);
    }
  }, documents);
}

/** Groups by a constant _id (countDocuments uses {_id: 1}) or by a "$field" path. */
function group(docs: Document[], spec: Document): Document[] {
  const { _id: key, ...accumulators } = spec;
  const groups = new Map<string, { _id: unknown; count: number }>();
  for (const doc of docs) {
    const id = typeof key === 'string' && key.startsWith('$') ? (lookup(doc, key.slice(1)) ?? null) : key;
    const groupKey = Buffer.from(serialize({ id })).toString('hex');
    const entry = groups.get(groupKey) ?? { _id: id, count: 0 };
    entry.count++;
    groups.set(groupKey, entry);
  }
  return [...groups.values()].map(({ _id, count }) => {
    const result: Document = { _id };
    for (const [field, accumulator] of Object.entries(accumulators)) {
      if (typeof accumulator?.$sum !== 'number') {
        throw new CommandError(15952, 'Location15952', `unsupported accumulator for '${field}' (the stand-in only sums constants)`);
      }
      result[field] = count * accumulator.$sum;
    }
    return result;
  });
}
