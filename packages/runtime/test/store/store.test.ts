/**
 * The durable store: restart durability, what the data plane reads, the
 * read-only open from another process, versioned migrations, and refusing
 * (never resetting) a corrupt, foreign or newer data directory.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StoreCorruptError, StoreVersionError } from '../../src/errors';
import { openStore, SCHEMA_VERSION } from '../../src/store';
import { APPLICATION_ID, MIGRATIONS } from '../../src/store/migrations';
import { api, shopOperations, tempDir } from './fixtures';

const dist = resolve(__dirname, '../../dist');
const node = process.execPath;

describe('store', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  test('state, revision and credentials survive a close and reopen', () => {
    const store = openStore(dir.dir);
    store.applyBatch({ stack: 'shop', operations: shopOperations() });
    store.applyBatch({ stack: 'shop', operations: [{ op: 'rotateCredentials', app: 'mobile' }] });
    const state = store.getState();
    const credentials = store.getCredentials('mobile');
    const id = store.id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    store.close();
    const reopened = openStore(dir.dir);
    expect(reopened.id).toBe(id);
    const other = tempDir();
    const another = openStore(other.dir);
    expect(another.id).not.toBe(id);
    another.close();
    other.cleanup();
    expect(reopened.revision).toBe(2);
    expect(reopened.getState()).toEqual(state);
    expect(reopened.getCredentials('mobile')).toEqual(credentials);
    reopened.close();
  });

  test('readView holds what the data plane needs, at one revision', () => {
    const store = openStore(dir.dir);
    store.applyBatch({ stack: 'shop', operations: shopOperations() });
    const view = store.readView();
    const live = store.getState();
    expect(view.revision).toBe(1);
    expect(view.groups.map((g) => g.name)).toEqual(['shop']);
    expect(view.backendServices.map((b) => b.name).sort()).toEqual(['orders', 'users']);
    expect(view.vpcAccesses.map((v) => v.name)).toEqual(['shop_vpc']);
    expect(view.published.map((p) => p.stage).sort()).toEqual(['RELEASE', 'TEST']);
    expect(view.published[0]!.api).toEqual(live.apis[0]!.spec);
    expect(view.published[0]!.digest).toBe(live.apis[0]!.digest);
    const credentials = store.getCredentials('mobile');
    expect(view.apps).toEqual([{ name: 'mobile', appKey: credentials.appKey, appSecret: credentials.appSecret, appCode: credentials.appCode, appId: credentials.appId }]);
    expect(view.authorizations).toEqual([{ app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'] }]);
    store.close();
  });

  test('readView follows commits through the change log: each view equals a fresh read, unchanged parts are shared', () => {
    const store = openStore(dir.dir);
    const fresh = () => {
      const reader = openStore(dir.dir, { readOnly: true });
      try {
        return reader.readView();
      } finally {
        reader.close();
      }
    };
    const steps: unknown[][] = [
      shopOperations(),
      [{ op: 'create', kind: 'api', spec: api('listUsers', '/users') }, { op: 'publish', api: 'shop/listUsers', stage: 'TEST' }],
      [{ op: 'update', kind: 'api', spec: api('getUser', '/people/{id}') }, { op: 'publish', api: 'shop/getUser', stage: 'RELEASE' }],
      [{ op: 'rotateCredentials', app: 'mobile' }],
      [{ op: 'update', kind: 'backendService', spec: { name: 'users', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9002' } } } }],
      [{ op: 'delete', kind: 'authorization', id: 'mobile:shop/getUser' }, { op: 'delete', kind: 'app', id: 'mobile' }],
      [{ op: 'unpublish', api: 'shop/getUser', stage: 'RELEASE' }, { op: 'delete', kind: 'api', id: 'shop/getUser' }, { op: 'create', kind: 'app', spec: { name: 'desktop' } }],
    ];
    let previous = store.readView();
    for (const operations of steps) {
      store.applyBatch({ stack: 'shop', operations });
      const view = store.readView();
      expect(view).toEqual(fresh());
      expect(store.readView()).toBe(view);
      if (!operations.some((o) => (o as { kind?: string }).kind === 'group')) expect(view.groups).toBe(previous.groups);
      previous = view;
    }
    expect(previous.published).toEqual([]);
    expect(previous.apps.map((a) => a.name)).toEqual(['desktop']);
    store.close();
  });

  test('a reader that did not write the commits follows them too: its view equals the writer\'s, definitions included', () => {
    const store = openStore(dir.dir);
    const reader = openStore(dir.dir, { readOnly: true });
    try {
      reader.readView();
      const steps: unknown[][] = [
        shopOperations(),
        [{ op: 'create', kind: 'api', spec: api('listUsers', '/users') }, { op: 'publish', api: 'shop/listUsers', stage: 'TEST' }, { op: 'publish', api: 'shop/listUsers', stage: 'RELEASE' }],
        // Deleted and made again in one batch: the reader must not keep the revisions it held before the deletion.
        [
          { op: 'unpublish', api: 'shop/listUsers', stage: 'TEST' },
          { op: 'unpublish', api: 'shop/listUsers', stage: 'RELEASE' },
          { op: 'delete', kind: 'api', id: 'shop/listUsers' },
          { op: 'create', kind: 'api', spec: api('listUsers', '/users') },
          { op: 'publish', api: 'shop/listUsers', stage: 'RELEASE' },
        ],
        [{ op: 'update', kind: 'api', spec: api('getUser', '/people/{id}') }, { op: 'publish', api: 'shop/getUser', stage: 'RELEASE' }],
      ];
      for (const operations of steps) {
        store.applyBatch({ stack: 'shop', operations });
        const followed = reader.readView();
        expect(followed).toEqual(store.readView());
        expect(followed.published.length).toBeGreaterThan(0);
      }
      expect(reader.readView().published.map((p) => [p.api.name, p.stage, p.api.request.path])).toEqual([
        ['getUser', 'RELEASE', '/people/{id}'],
        ['getUser', 'TEST', '/users/{id}'],
        ['listUsers', 'RELEASE', '/users'],
      ]);
    } finally {
      reader.close();
      store.close();
    }
  });

  test('getChanges lists what changed and what was deleted since a revision, while the log reaches back', () => {
    const store = openStore(dir.dir, { retainedRevisions: 2 });
    store.applyBatch({ stack: 'shop', operations: shopOperations() });
    store.applyBatch({ stack: 'shop', operations: [{ op: 'delete', kind: 'authorization', id: 'mobile:shop/getUser' }, { op: 'rotateCredentials', app: 'mobile' }] });
    const changes = store.getChanges(1)!;
    expect(changes.revision).toBe(2);
    expect(changes.deleted).toEqual([{ kind: 'authorization', id: 'mobile:shop/getUser' }]);
    expect(changes.changed.apps.map((a) => a.id)).toEqual(['mobile']);
    expect(changes.changed.apis).toEqual([]);
    expect(store.getChanges(0)!.changed.apis.map((a) => a.id)).toEqual(['shop/getUser']);
    expect(store.getChanges(0)!.deleted).toEqual([{ kind: 'authorization', id: 'mobile:shop/getUser' }]);
    expect(store.getChanges(3)).toBeUndefined(); // ahead of the store
    // Two more commits: the log keeps the last two revisions only.
    store.applyBatch({ stack: 'shop', operations: [{ op: 'rotateCredentials', app: 'mobile' }] });
    store.applyBatch({ stack: 'shop', operations: [{ op: 'rotateCredentials', app: 'mobile' }] });
    expect(store.getChanges(1)).toBeUndefined();
    expect(store.getChanges(2)).toMatchObject({ revision: 4, since: 2, deleted: [] });
    store.close();
  });

  test('rotating credentials changes only the AppSecret and AppCode: the AppKey stays and app ids are not spent', () => {
    const store = openStore(dir.dir);
    store.applyBatch({ stack: 'shop', operations: shopOperations() });
    const before = store.getCredentials('mobile');
    store.applyBatch({ stack: 'shop', operations: [{ op: 'rotateCredentials', app: 'mobile' }] });
    const after = store.getCredentials('mobile');
    expect([after.appKey, after.appId]).toEqual([before.appKey, before.appId]);
    expect(after.appSecret).not.toBe(before.appSecret);
    expect(after.appCode).not.toBe(before.appCode);
    store.applyBatch({ stack: 'shop', operations: [{ op: 'create', kind: 'app', spec: { name: 'desktop' } }] });
    expect(store.getCredentials('desktop').appId).toBe(before.appId + 1);
    store.close();
  });

  test('route clashes are found in large batches too: with an existing API and within the batch', () => {
    const store = openStore(dir.dir);
    store.applyBatch({ stack: 'shop', operations: shopOperations() });
    const many = (first: number) =>
      Array.from({ length: 40 }, (_, i) => ({ op: 'create', kind: 'api', spec: api(`list${first + i}`, `/items${first + i}`) }));
    const clashing = { op: 'create', kind: 'api', spec: api('getPerson', '/users/{id}') }; // the route of shop/getUser
    const twice = [
      { op: 'create', kind: 'api', spec: api('twinOne', '/twins') },
      { op: 'create', kind: 'api', spec: api('twinTwo', '/twins') },
    ];
    let error: { errors?: { index: number; problems?: { code: string }[] }[] } | undefined;
    try {
      store.applyBatch({ stack: 'shop', operations: [...many(0), clashing, ...twice, ...many(100)] });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.errors?.map((e) => [e.index, e.problems?.map((p) => p.code)])).toEqual([
      [40, ['ROUTE_CONFLICT']],
      [42, ['ROUTE_CONFLICT']],
    ]);
    expect(store.revision).toBe(1);
    store.applyBatch({ stack: 'shop', operations: [...many(0), ...many(100)] });
    expect(store.getState().apis).toHaveLength(81);
    // Published revisions: getUser's RELEASE revision still answers /users/{id}; getUser2 may not be published there.
    store.applyBatch({ stack: 'shop', operations: [{ op: 'update', kind: 'api', spec: api('getUser', '/people/{id}') }, { op: 'create', kind: 'api', spec: api('getUser2') }] as never });
    const publishMany = Array.from({ length: 40 }, (_, i) => ({ op: 'publish', api: `shop/list${i}`, stage: 'RELEASE' }));
    let refused: { errors?: { index: number; problems?: { code: string }[] }[] } | undefined;
    try {
      store.applyBatch({ stack: 'shop', operations: [...publishMany, { op: 'publish', api: 'shop/getUser2', stage: 'RELEASE' }] as never });
    } catch (e) {
      refused = e as typeof refused;
    }
    expect(refused?.errors?.map((e) => [e.index, e.problems?.map((p) => p.code)])).toEqual([[40, ['ROUTE_CONFLICT']]]);
    store.applyBatch({ stack: 'shop', operations: [{ op: 'publish', api: 'shop/getUser', stage: 'RELEASE' }, ...publishMany, { op: 'publish', api: 'shop/getUser2', stage: 'RELEASE' }] as never });
    store.close();
  });

  test('commit listeners hear each committed revision, not dry runs or refusals', () => {
    const store = openStore(dir.dir);
    const heard: number[] = [];
    const off = store.onCommit((r) => heard.push(r));
    store.applyBatch({ stack: 'shop', operations: shopOperations() });
    store.applyBatch({ stack: 'shop', dryRun: true, operations: [{ op: 'rotateCredentials', app: 'mobile' }] });
    expect(() => store.applyBatch({ stack: 'shop', operations: [{ op: 'delete', kind: 'group', id: 'nothere' }] })).toThrow();
    store.applyBatch({ stack: 'shop', operations: [] });
    store.applyBatch({ stack: 'shop', operations: [{ op: 'rotateCredentials', app: 'mobile' }] });
    off();
    store.applyBatch({ stack: 'shop', operations: [{ op: 'rotateCredentials', app: 'mobile' }] });
    expect(heard).toEqual([1, 2]);
    store.close();
  });

  test('a fresh store is marked as apigw and at the current schema version', () => {
    openStore(dir.dir).close();
    const db = new DatabaseSync(join(dir.dir, 'gateway.db'));
    expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
    expect((db.prepare('PRAGMA application_id').get() as { application_id: number }).application_id).toBe(0x41504757);
    expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
    db.close();
  });

  test('a version 1 store is migrated in place: route keys are filled in for existing APIs and published revisions', () => {
    // Build the store as version 1 left it, with a published API.
    const v1 = openStore(join(dir.dir, 'source'));
    v1.applyBatch({ stack: 'shop', operations: shopOperations() });
    const state = v1.getState();
    v1.close();
    const db = new DatabaseSync(join(dir.dir, 'gateway.db'));
    MIGRATIONS[0]!.up(db);
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = 1`);
    const source = new DatabaseSync(join(dir.dir, 'source', 'gateway.db'));
    const insert = db.prepare('INSERT INTO resources (kind, id, stack, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const r of source.prepare('SELECT kind, id, stack, spec, created_at, updated_at FROM resources').all() as Record<string, string>[])
      insert.run(r['kind']!, r['id']!, r['stack']!, r['spec']!, r['created_at']!, r['updated_at']!);
    const publish = db.prepare('INSERT INTO published (api, stage, backend, digest, definition, published_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const r of source.prepare('SELECT api, stage, backend, digest, definition, published_at FROM published').all() as Record<string, string>[])
      publish.run(r['api']!, r['stage']!, r['backend']!, r['digest']!, r['definition']!, r['published_at']!);
    // The columns version 1 had (later versions added some to credentials).
    for (const [table, columns] of [['refs', '*'], ['credentials', 'app, app_id, app_key, app_secret, app_code']] as const)
      for (const r of source.prepare(`SELECT ${columns} FROM ${table}`).all() as Record<string, string>[])
        db.prepare(`INSERT INTO ${table} (${Object.keys(r).join(', ')}) VALUES (${Object.keys(r).map(() => '?').join(', ')})`).run(...Object.values(r));
    db.exec('UPDATE revision SET value = 1');
    source.close();
    db.close();

    const migrated = openStore(dir.dir);
    expect(migrated.getState()).toEqual(state);
    // The change log starts at the revision the store was migrated at.
    expect(migrated.getChanges(0)).toBeUndefined();
    expect(migrated.getChanges(1)).toMatchObject({ revision: 1, since: 1, changed: { apis: [] }, deleted: [] });
    const check = new DatabaseSync(join(dir.dir, 'gateway.db'));
    expect((check.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(SCHEMA_VERSION);
    expect(check.prepare("SELECT route FROM resources WHERE kind = 'api'").all()).toEqual([{ route: 'shop /users/{}' }]);
    expect(check.prepare('SELECT DISTINCT route FROM published').all()).toEqual([{ route: 'shop /users/{}' }]);
    check.close();
    // The route index now finds the clash with the migrated API.
    expect(() => migrated.applyBatch({ stack: 'shop', operations: [{ op: 'create', kind: 'api', spec: { ...api('other'), request: { ...api().request, path: '/users/{id}' } } } as never] })).toThrow(/ROUTE_CONFLICT|answers GET/);
    migrated.close();
  });

  test('a file that is not a database is refused with StoreCorruptError and left as it was', () => {
    const file = join(dir.dir, 'gateway.db');
    writeFileSync(file, 'this is not a database, it is a text file that happens to be here\n'.repeat(100));
    const before = readFileSync(file);
    expect(() => openStore(dir.dir)).toThrow(StoreCorruptError);
    expect(readFileSync(file)).toEqual(before);
  });

  test('an SQLite database of another program is refused, not adopted', () => {
    const db = new DatabaseSync(join(dir.dir, 'gateway.db'));
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    const error = captured(() => openStore(dir.dir));
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as StoreCorruptError).code).toBe('APIGW_STORE_CORRUPT');
    expect((error as Error).message).toContain('some other program');
  });

  test('a damaged store is refused', () => {
    const store = openStore(dir.dir);
    store.applyBatch({ stack: 's', operations: Array.from({ length: 100 }, (_, i) => ({ op: 'create', kind: 'app', spec: { name: `app_${i}`, description: 'x'.repeat(170) } })) });
    store.close();
    const file = join(dir.dir, 'gateway.db');
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(3 * 4096);
    bytes.fill(0x5a, 4096 + 100, 3 * 4096 - 100);
    writeFileSync(file, bytes);
    expect(() => openStore(dir.dir)).toThrow(StoreCorruptError);
  });

  test('a store written by a newer apigw is refused with StoreVersionError', () => {
    openStore(dir.dir).close();
    const db = new DatabaseSync(join(dir.dir, 'gateway.db'));
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    const error = captured(() => openStore(dir.dir));
    expect(error).toBeInstanceOf(StoreVersionError);
    expect(error).toMatchObject({ code: 'APIGW_STORE_VERSION', found: SCHEMA_VERSION + 5, supported: SCHEMA_VERSION });
    expect(() => openStore(dir.dir, { readOnly: true })).toThrow(StoreVersionError);
  });

  test('read-only opens need an existing store and refuse writes', () => {
    expect(() => openStore(dir.dir, { readOnly: true })).toThrow(StoreCorruptError);
    openStore(dir.dir).close();
    const reader = openStore(dir.dir, { readOnly: true });
    expect(() => reader.applyBatch({ stack: null, operations: [] })).toThrow(/read-only/);
    reader.close();
  });

  test('another process reads the view read-only while this one writes, without the SQLite warning', () => {
    const store = openStore(dir.dir);
    store.applyBatch({ stack: 'shop', operations: shopOperations() });
    const script = `
      const { openStore } = require(${JSON.stringify(join(dist, 'store'))});
      const view = openStore(process.argv[1], { readOnly: true }).readView();
      process.emitWarning('an unrelated experimental thing', 'ExperimentalWarning');
      console.log(JSON.stringify({ revision: view.revision, apps: view.apps.map((a) => a.appKey), published: view.published.length }));`;
    const child = spawnSync(node, ['-e', script, dir.dir], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ revision: 1, apps: [store.getCredentials('mobile').appKey], published: 2 });
    expect(child.stderr).not.toContain('SQLite is an experimental feature');
    expect(child.stderr).toContain('an unrelated experimental thing');
    store.close();
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
