/**
 * `apigw serve` keeps answering traffic while the admin API applies a large
 * valid batch, with one worker (the default on a one-core host) or more.
 * The batch runs in one synchronous SQLite transaction in the primary; the
 * data plane runs in worker processes that bind the port themselves, so a
 * request sent while that transaction is open is answered before the batch
 * is. "Open" is read from the database itself: a second connection cannot
 * take the write lock the batch holds.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { HttpGatewayClient } from '../../src/client/http-client';
import { sqlite } from '../../src/store/sqlite';
import { tempDir } from '../store/fixtures';
import { startServe, type ServeProcess } from '../support/serve-process';

const TOKEN = 'batch-traffic-token';
/** APIs the large batch creates and publishes: 40,000 operations. */
const APIS = 20_000;

function serve(dir: string, workers: number): Promise<ServeProcess> {
  return startServe(dir, ['--workers', String(workers), '--access-log', 'off'], { ...process.env, APIGW_ADMIN_TOKEN: TOKEN });
}

function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolvePromise) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'demo.localhost' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => resolvePromise({ status: 0, body: error.message }));
    req.end();
  });
}

const api = (name: string, path: string) => ({
  op: 'create',
  kind: 'api',
  spec: { group: 'demo', name, auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path }, backend: { service: 'origin', path: '/' } },
});

describe('apigw serve while a large batch applies', () => {
  let dir: { dir: string; cleanup: () => void };
  let upstream: Server;
  let running: ServeProcess | undefined;

  beforeEach(async () => {
    dir = tempDir();
    upstream = createServer((_req, res) => res.end('pong'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGTERM');
      await running.exit;
    }
    await new Promise<void>((r) => upstream.close(() => r()));
    dir.cleanup();
  });

  test.each([1, 2])('--workers %d: requests sent while the batch transaction is open are answered before the batch is', async (workers) => {
    running = await serve(dir.dir, workers);
    const client = new HttpGatewayClient({ endpoint: running.adminUrl, token: TOKEN });
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    await client.batch({
      stack: null,
      operations: [
        { op: 'create', kind: 'backendService', spec: { name: 'origin', type: 'HTTP', environments: { RELEASE: { url: origin } } } },
        { op: 'create', kind: 'group', spec: { name: 'demo', domains: ['demo.localhost'] } },
        api('ping', '/ping'),
        { op: 'publish', api: 'demo/ping', stage: 'RELEASE' },
      ] as never,
    });
    await client.close();
    // Ask (bounded) until the data plane serves the first revision.
    let first = { status: 0, body: '' };
    for (let i = 0; i < 200 && first.status !== 200; i++) {
      first = await get(running.dataUrl, '/ping');
      if (first.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(first).toEqual({ status: 200, body: 'pong' });

    const operations: unknown[] = [];
    for (let i = 0; i < APIS; i++) operations.push(api(`bulk${i}`, `/bulk/${i}`), { op: 'publish', api: `demo/bulk${i}`, stage: 'RELEASE' });
    const body = JSON.stringify({ stack: null, operations });
    const admin = new URL(running.adminUrl);
    let batchAnswered = false;
    const batch = new Promise<{ status: number; body: string }>((resolvePromise, reject) => {
      const req = request(
        { host: admin.hostname, port: admin.port, path: '/v1/batch', method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
        (res) => {
          batchAnswered = true;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

    // Wait for the batch's write transaction: the write lock it holds is refused to this connection.
    const db = new (sqlite().DatabaseSync)(join(dir.dir, 'gateway.db'));
    db.exec('PRAGMA busy_timeout = 0');
    let open = false;
    try {
      while (!open && !batchAnswered) {
        try {
          db.exec('BEGIN IMMEDIATE');
          db.exec('ROLLBACK');
          await nextTurn();
        } catch (error) {
          if (!/locked|busy/i.test((error as Error).message)) throw error;
          open = true;
        }
      }
    } finally {
      db.close();
    }
    expect({ transactionSeenOpen: open }).toEqual({ transactionSeenOpen: true });

    // Requests sent from now on, one after another, each on a new connection, until the batch is answered.
    const answers: { status: number; body: string; beforeBatch: boolean }[] = [];
    do {
      const answer = await get(running.dataUrl, '/ping');
      answers.push({ ...answer, beforeBatch: !batchAnswered });
    } while (!batchAnswered || answers.length < 3);
    const result = await batch;

    expect(result.status).toBe(200);
    expect((JSON.parse(result.body) as { revision: number }).revision).toBe(2);
    // The first three requests sent while the transaction was open were answered before the batch
    // (were the primary on their path, accepting connections, none could be, and at most one
    // between the commit and the batch's answer, which waits for the worker to take the commit).
    expect(answers.slice(0, 3)).toEqual(Array(3).fill({ status: 200, body: 'pong', beforeBatch: true }));
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    // The batch is answered once the worker serves it: what it published answers at once.
    expect(await get(running.dataUrl, `/bulk/${APIS - 1}`)).toEqual({ status: 200, body: 'pong' });

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  }, 240_000);
});
