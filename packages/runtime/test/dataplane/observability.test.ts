import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataPlane } from '../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view } from './fixtures';

describe('access log and metrics', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let port: number;
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const registry = new Registry();

  beforeAll(async () => {
    echo = await startEcho();
    const sink = new PassThrough();
    let buffered = '';
    sink.on('data', (c: Buffer) => {
      buffered += c.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        raw.push(buffered.slice(0, nl));
        lines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
        buffered = buffered.slice(nl + 1);
      }
    });
    ({ dp, port } = await startDataPlane(
      view({
        // Port 1 on loopback refuses connections: a 503 whose cause goes to the log only.
        backendServices: [httpService('users', { RELEASE: echo.url }), httpService('gone', { RELEASE: 'http://127.0.0.1:1' })],
        apis: [
          { name: 'getUser', request: { path: '/users/{id}' }, backend: { service: 'users', path: '/u' } },
          { name: 'gone', request: { path: '/gone' }, backend: { service: 'gone', path: '/' } },
        ],
      }),
      { accessLog: sink, metrics: registry },
    ));
  });

  afterAll(async () => {
    await dp.close();
    await echo.close();
  });

  test('one JSON line per request, with request id, API, stage and status', async () => {
    const ok = await send(port, { path: '/users/1' });
    const missing = await send(port, { path: '/nope' });
    await new Promise((r) => setTimeout(r, 50));
    const okLine = lines.find((l) => l.requestId === ok.headers['x-ca-request-id']);
    expect(okLine).toMatchObject({ api: 'shop/getUser', stage: 'RELEASE', status: 200, method: 'GET', path: '/users/1', errorCode: null });
    const missLine = lines.find((l) => l.requestId === missing.headers['x-ca-request-id']);
    expect(missLine).toMatchObject({ api: null, status: 404, errorCode: 'I404NF' });
    // One ISO time per line: a repeated key is lost or misread by log shippers.
    const okRaw = raw.find((l) => l.includes(ok.headers['x-ca-request-id'] as string))!;
    expect(okRaw.match(/"time":/g)).toHaveLength(1);
    expect(okLine!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('a line is what pino writes for the same record: keys, order, escaping, host left out when absent', async () => {
    const ok = await send(port, { path: '/users/5' });
    const gone = await send(port, { path: '/gone' });
    const odd = await send(port, { path: '/users/6', host: 'we"ird\\host\tname' });
    const hostless = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let got = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (got += d));
      socket.on('close', () => resolve(/x-ca-request-id: (\S+)/i.exec(got)![1]!));
      socket.on('error', reject);
      socket.end('GET /users/7 HTTP/1.0\r\n\r\n');
    });
    expect(gone.status).toBe(503);
    await new Promise((r) => setTimeout(r, 50));
    const ids = [ok, gone, odd].map((r) => r.headers['x-ca-request-id'] as string).concat(hostless);
    const mine = ids.map((id) => raw.find((l) => l.includes(`"requestId":"${id}"`))!);
    // The reference: the same record (without level and time) through a pino logger set up as the data plane's was.
    const reference: string[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (reference.push(c.toString().replace(/\n$/, '')), cb()) });
    const logger = pino({ base: null, messageKey: 'msg', timestamp: pino.stdTimeFunctions.isoTime }, out);
    for (const line of mine) {
      const { level, time, ...record } = JSON.parse(line) as Record<string, unknown>;
      expect(level).toBe(30);
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      logger.info(record);
    }
    await new Promise((r) => setImmediate(r));
    const sameTime = (l: string): string => l.replace(/"time":"[^"]*"/, '"time":"T"');
    expect(mine.map(sameTime)).toEqual(reference.map(sameTime));
    // What the lines hold: the escaped host, the detail the client was not told, no host key without a Host.
    expect(JSON.parse(mine[2]!)).toMatchObject({ host: 'we"ird\\host\tname', errorCode: 'I400DO' });
    expect(JSON.parse(mine[1]!).errorDetail).toMatch(/127\.0\.0\.1:1/);
    expect(JSON.parse(mine[3]!)).not.toHaveProperty('host');
  });

  test('each line counts the bytes of its own exchange, also on a reused connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(port, '/users/3', agent, 'x'.repeat(3000));
      const second = await get(port, '/users/4', agent);
      await new Promise((r) => setTimeout(r, 50));
      const firstLine = lines.find((l) => l.requestId === first.requestId)!;
      const secondLine = lines.find((l) => l.requestId === second.requestId)!;
      expect(firstLine.bytesIn).toBeGreaterThan(3000);
      expect(secondLine.bytesIn).toBeGreaterThan(0);
      expect(secondLine.bytesIn).toBeLessThan(3000);
      expect(firstLine.bytesOut).toBeGreaterThan(first.bodyBytes);
      expect(secondLine.bytesOut).toBeGreaterThan(second.bodyBytes);
      expect(secondLine.bytesOut).toBeLessThan(first.bodyBytes + 2000);
    } finally {
      agent.destroy();
    }
  });

  test('requests are counted per API, stage and status', async () => {
    await send(port, { path: '/users/2' });
    const text = await registry.metrics();
    expect(text).toMatch(/apigw_requests_total\{api="shop\/getUser",stage="RELEASE",status="200"\} [2-9]/);
    expect(text).toMatch(/apigw_requests_total\{api="",stage="RELEASE",status="404"\} 1/);
    expect(text).toContain('apigw_request_duration_seconds_bucket{le="0.001",api="shop/getUser",stage="RELEASE"}');
  });

  test('counts go on across reads of the registry and across a new snapshot of the same API', async () => {
    const count = async (): Promise<number> => Number(/apigw_requests_total\{api="shop\/getUser",stage="RELEASE",status="200"\} (\d+)/.exec(await registry.metrics())![1]);
    const before = await count();
    await send(port, { path: '/users/3' });
    expect(await count()).toBe(before + 1);
    dp.update(
      view({
        backendServices: [httpService('users', { RELEASE: echo.url })],
        apis: [{ name: 'getUser', request: { path: '/users/{id}' }, backend: { service: 'users', path: '/v' } }],
      }),
    );
    expect((await send(port, { path: '/users/4' })).status).toBe(200);
    expect(await count()).toBe(before + 2);
  });
});

describe('access log to a non-blocking destination', () => {
  test('lines gathered for a background write are all written by the time the data plane has closed', async () => {
    const echo = await startEcho();
    const dir = mkdtempSync(join(tmpdir(), 'apigw-access-'));
    const file = join(dir, 'access.log');
    const destination = pino.destination({ dest: file, sync: false, mkdir: true });
    await new Promise<void>((resolve) => destination.once('ready', () => resolve()));
    const { dp, port } = await startDataPlane(
      view({ backendServices: [httpService('users', { RELEASE: echo.url })], apis: [{ name: 'getUser', request: { path: '/users/{id}' }, backend: { service: 'users', path: '/u' } }] }),
      { accessLog: destination },
    );
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await send(port, { path: `/users/${i}` })).headers['x-ca-request-id'] as string);
      await dp.close();
      // Ended, the destination finishes its writes in order (flushSync would write what is queued
      // beside a write still in flight, and the file could hold the lines out of order).
      await new Promise<void>((resolve) => {
        destination.once('close', () => resolve());
        destination.end();
      });
      const logged = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { requestId: string }).requestId);
      expect(logged).toEqual(ids);
    } finally {
      if (!destination.destroyed) destination.end();
      await echo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A request on a given agent (so two requests share one connection); an optional header pads the head. */
function get(port: number, path: string, agent: Agent, pad?: string): Promise<{ requestId: string; bodyBytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: 'api.shop.localhost' };
    if (pad !== undefined) headers['x-pad'] = pad;
    const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      let bodyBytes = 0;
      res.on('data', (c: Buffer) => (bodyBytes += c.length));
      res.on('end', () => resolve({ requestId: String(res.headers['x-ca-request-id']), bodyBytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
