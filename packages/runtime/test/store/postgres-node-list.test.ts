/**
 * The node list of a gateway: nodes on one PostgreSQL register themselves
 * and keep a heartbeat there, so every node's console overview lists them
 * all with the revision each serves; a stopped node shows stale once its
 * heartbeats stop, a node that cannot serve shows why, and a long-silent
 * row is pruned. On SQLite the list is the node itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { ConsoleNode, ConsoleOverview } from '../../src/admin/console-model';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';
import { eventually, helloOperations } from '../support/nodes';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { tempDir } from './fixtures';

const TOKEN = 'node-list-token';
/** Short heartbeats keep the test quick: stale after three missed ones. */
const HEARTBEAT_MS = 200;

async function overview(gateway: Gateway): Promise<ConsoleOverview> {
  const response = await fetch(`${gateway.adminUrl}/v1/console/overview`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as ConsoleOverview;
}

const byId = (nodes: readonly ConsoleNode[], id: string | undefined): ConsoleNode | undefined => nodes.find((n) => n.id === id);

describe('the node list', () => {
  let server: TestPostgres;
  const cleanups: (() => unknown)[] = [];
  let databases = 0;

  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  afterAll(() => server.destroy());

  async function start(options: { store?: string } = {}): Promise<{ gateway: Gateway; dir: string; stop: () => Promise<void> }> {
    const dir = tempDir();
    const gateway = await createGateway({ dataDir: dir.dir, ...options, port: 0, adminPort: 0, adminToken: TOKEN, heartbeatMs: HEARTBEAT_MS });
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await gateway.close();
    };
    cleanups.push(dir.cleanup, stop);
    return { gateway, dir: dir.dir, stop };
  }

  /** The id each gateway gives itself: the node its own overview flags `self`. */
  async function selfId(gateway: Gateway): Promise<string> {
    const self = (await overview(gateway)).nodes.filter((n) => n.self);
    expect(self).toHaveLength(1);
    return self[0]!.id;
  }

  test('two nodes on one database: each lists both, with the revision each serves after a commit', async () => {
    const store = await server.createDatabase(`node_list_${process.pid}_${++databases}`);
    const [{ gateway: a }, { gateway: b }] = await Promise.all([start({ store }), start({ store })]);
    const [idA, idB] = await Promise.all([selfId(a), selfId(b)]);
    expect(idA).not.toBe(idB);

    const committed = await a.client.batch({ stack: 'shop', operations: helloOperations('one') });
    for (const [gateway, self] of [
      [a, idA],
      [b, idB],
    ] as const) {
      await eventually(async () => {
        const o = await overview(gateway);
        return (
          o.revision === committed.revision &&
          o.nodes.length === 2 &&
          [idA, idB].every((id) => {
            const n = byId(o.nodes, id);
            return n !== undefined && n.revision === committed.revision && n.ready && !n.stale;
          })
        );
      }, `${gateway.adminUrl} lists both nodes serving revision ${committed.revision}`);
      const o = await overview(gateway);
      expect(o.nodesProblem).toBeUndefined();
      expect(o.nodes.map((n) => n.self)).toEqual(o.nodes.map((n) => n.id === self));
      for (const [node, id] of [
        [a, idA],
        [b, idB],
      ] as const) {
        const n = byId(o.nodes, id)!;
        expect(n).toMatchObject({ pid: process.pid, adminUrl: node.adminUrl, ready: true });
        expect(n.hostname).not.toBe('');
        expect(Date.parse(n.lastSeen)).toBeGreaterThanOrEqual(Date.parse(n.startedAt));
        expect(n.reason).toBeUndefined();
      }
    }

    // The table holds who a node is and what it serves: no token, no store URL.
    const client = new pg.Client({ connectionString: store });
    await client.connect();
    try {
      const rows = await client.query('SELECT * FROM apigw.nodes');
      expect(rows.fields.map((f) => f.name).sort()).toEqual(
        ['admin_url', 'heartbeat_ms', 'hostname', 'id', 'last_seen', 'pid', 'ready', 'reason', 'revision', 'started_at'].sort(),
      );
      const text = JSON.stringify(rows.rows);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(store);
    } finally {
      await client.end();
    }
  });

  test('a stopped node shows stale on the others once its heartbeats stop; a long-silent row is pruned', async () => {
    const store = await server.createDatabase(`node_list_${process.pid}_${++databases}`);
    const [{ gateway: a }, { gateway: b, stop: stopB }] = await Promise.all([start({ store }), start({ store })]);
    const [idA, idB] = await Promise.all([selfId(a), selfId(b)]);
    await eventually(async () => {
      const n = byId((await overview(a)).nodes, idB);
      return n !== undefined && !n.stale;
    }, 'A sees B live');

    await stopB();
    await eventually(async () => {
      const o = await overview(a);
      return byId(o.nodes, idB)?.stale === true && byId(o.nodes, idA)?.stale === false;
    }, 'A shows B stale and itself live');
    const stale = byId((await overview(a)).nodes, idB)!;
    expect(Date.parse(stale.lastSeen)).toBeGreaterThanOrEqual(Date.parse(stale.startedAt));

    // A row silent for longer than the retention goes at the next heartbeat of any node.
    const client = new pg.Client({ connectionString: store });
    await client.connect();
    try {
      await client.query("UPDATE apigw.nodes SET last_seen = now() - interval '2 hours' WHERE id = $1", [idB]);
    } finally {
      await client.end();
    }
    await eventually(async () => byId((await overview(a)).nodes, idB) === undefined, 'B pruned');
    expect(byId((await overview(a)).nodes, idA)).toBeDefined();
  });

  test('a node that cannot serve what it should shows not ready, with its reason, on the other node', async () => {
    const store = await server.createDatabase(`node_list_${process.pid}_${++databases}`);
    const [{ gateway: a }, { gateway: b, dir: dirB }] = await Promise.all([start({ store }), start({ store })]);
    const idB = await selfId(b);
    // B reads its inventory file at every commit it follows: an unusable one keeps it on its last state.
    writeFileSync(join(dirB, 'inventory.json'), '{ "i-web1": ');
    await a.client.batch({ stack: 'shop', operations: helloOperations('one') });
    await eventually(async () => {
      const n = byId((await overview(a)).nodes, idB);
      return n !== undefined && !n.ready && !n.stale && /inventory .*inventory\.json is not JSON/.test(n.reason ?? '');
    }, 'A shows B not ready because of its inventory file');

    writeFileSync(join(dirB, 'inventory.json'), '{}');
    await a.client.batch({ stack: 'shop', operations: [{ op: 'create', kind: 'app', spec: { name: 'mobile' } }] as Operation[] });
    await eventually(async () => {
      const n = byId((await overview(a)).nodes, idB);
      return n !== undefined && n.ready && n.reason === undefined;
    }, 'A shows B ready again');
  });

  test('on SQLite the list is this node, from memory', async () => {
    const { gateway } = await start();
    const committed = await gateway.client.batch({ stack: 'shop', operations: helloOperations('one') });
    const o = await overview(gateway);
    expect(o.nodes).toHaveLength(1);
    expect(o.nodes[0]).toMatchObject({ self: true, pid: process.pid, adminUrl: gateway.adminUrl, revision: committed.revision, ready: true, stale: false });
    expect(o.nodesProblem).toBeUndefined();
  });
});
