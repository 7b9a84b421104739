/**
 * `apigw serve` as a process (the built serve-main.js): it prints where it
 * listens, serves the admin API with the token file, keeps state across a
 * restart, stops cleanly on SIGTERM and SIGINT, and refuses bad arguments
 * and unusable data directories with a clear message.
 */
import { spawn, spawnSync, } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { HttpGatewayClient } from '../../src/client/http-client';
import { parseServeArgs } from '../../src/serve';
import { tempDir } from '../store/fixtures';
import { SERVE_MAIN, startServe, type ServeProcess } from '../support/serve-process';

const serveMain = SERVE_MAIN;
const env = { ...process.env };
delete env['APIGW_ADMIN_TOKEN'];

type Running = ServeProcess;

function serve(dir: string, extra: readonly string[] = []): Promise<Running> {
  return startServe(dir, extra, env);
}

/** A MOCK API published at demo.localhost/ping, answering 200 "pong". */
const PING_OPERATIONS = [
  { op: 'create', kind: 'backendService', spec: { name: 'pong', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body: 'pong', headers: {} } } } } },
  { op: 'create', kind: 'group', spec: { name: 'demo', domains: ['demo.localhost'] } },
  { op: 'create', kind: 'api', spec: { group: 'demo', name: 'ping', auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/ping' }, backend: { service: 'pong', path: '/' } } },
  { op: 'publish', api: 'demo/ping', stage: 'RELEASE' },
] as never;

describe('apigw serve', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  test.each(['SIGTERM', 'SIGINT'] as const)('prints where it listens, keeps state, and stops cleanly on %s', async (signal) => {
    const first = await serve(dir.dir);
    expect(first.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.out()).toContain(join(dir.dir, 'admin.token'));
    const token = readFileSync(join(dir.dir, 'admin.token'), 'utf8').trim();
    const client = new HttpGatewayClient({ endpoint: first.adminUrl, token });
    await client.batch({ stack: 'demo', operations: [{ op: 'create', kind: 'app', spec: { name: 'mobile' } }] as never });
    const credentials = await client.getCredentials('mobile');
    await client.close();
    first.child.kill(signal);
    expect(await first.exit).toBe(0);
    expect(first.out()).toContain(`apigw stopping (${signal})`);
    expect(first.out()).toContain('apigw stopped');
    expect(first.err()).toBe('');

    const second = await serve(dir.dir);
    expect(second.out()).toContain('revision 1');
    const again = new HttpGatewayClient({ endpoint: second.adminUrl, token });
    expect(await again.getCredentials('mobile')).toEqual(credentials);
    await again.close();
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  test('a bad argument is a usage error (exit 2)', () => {
    const run = spawnSync(process.execPath, [serveMain, '--port', 'eighty'], { env, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--port must be a port number');
    expect(run.stderr).toContain('usage: apigw serve');
    const unknown = spawnSync(process.execPath, [serveMain, '--workers-of-doom'], { env, encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    const none = spawnSync(process.execPath, [serveMain, '--workers', '0'], { env, encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--workers must be a whole number from 1 to 256');
  });

  test('--help prints the usage and exits 0', () => {
    const run = spawnSync(process.execPath, [serveMain, '--help'], { env, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--workers N');
  });

  test('with --workers 2 the data plane runs in two worker processes that follow commits and stop with it', async () => {
    const running = await serve(dir.dir, ['--workers', '2']);
    expect(running.out()).toContain('(2 worker processes)');
    const workerPids = spawnSync('ps', ['-o', 'pid=', '--ppid', String(running.child.pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => Number(l.trim()))
      .filter((pid) => pid > 0);
    expect(workerPids).toHaveLength(2);

    const token = readFileSync(join(dir.dir, 'admin.token'), 'utf8').trim();
    const client = new HttpGatewayClient({ endpoint: running.adminUrl, token });
    const result = await client.batch({ stack: 'demo', operations: PING_OPERATIONS });
    // Workers learn of the commit over IPC: poll (bounded) until a request is answered by the new revision.
    let answer = { status: 0, body: '' };
    for (let i = 0; i < 100 && answer.status !== 200; i++) {
      answer = await get(running.dataUrl, '/ping', 'demo.localhost');
      if (answer.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toEqual({ status: 200, body: 'pong' });
    // The access log is on by default: one JSON line per request on standard output (written after the answer).
    const logged = (): Record<string, unknown>[] => running.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (let i = 0; i < 100 && !logged().some((l) => l['status'] === 200); i++) await new Promise((r) => setTimeout(r, 50));
    expect(logged()).toContainEqual(expect.objectContaining({ api: 'demo/ping', stage: 'RELEASE', status: 200 }));
    expect(result.revision).toBe(1);

    const metrics = await (await fetch(`${running.adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toContain('apigw_requests_total{api="demo/ping",stage="RELEASE",status="200"}');
    // The console's Debug page calls the workers' data plane, and its traffic view reads their metrics.
    const debug = await fetch(`${running.adminUrl}/v1/console/debug`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ api: 'demo/ping', stage: 'RELEASE', caller: { kind: 'anonymous' } }),
    });
    expect(await debug.json()).toMatchObject({ response: { status: 200, body: 'pong' } });
    const traffic = await (await fetch(`${running.adminUrl}/v1/console/traffic?api=demo/ping`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(traffic.series[0]).toMatchObject({ api: 'demo/ping', stage: 'RELEASE', statuses: { '200': expect.any(Number) } });
    await client.close();

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
    for (const pid of workerPids) expect(() => process.kill(pid, 0)).toThrow();
  });

  test('a worker that fails while starting is replaced: serve comes up once the cause is gone', async () => {
    // The data port is still held (a previous instance shutting down): every worker fails to listen.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    const child = spawn(process.execPath, [serveMain, '--data-dir', dir.dir, '--port', String(port), '--admin-port', '0', '--workers', '2'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const failedOnce = new Promise<void>((resolve) =>
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('failed to start')) resolve();
      }),
    );
    const started = new Promise<void>((resolve) => child.stdout!.on('data', () => out.includes('state at revision') && resolve()));
    await Promise.race([failedOnce, exit.then((code) => Promise.reject(new Error(`serve exited ${code}: ${err}`)))]);
    expect(err).toMatch(/data-plane worker \d+ failed to start: .*EADDRINUSE.*; starting another in 1 s/);
    await new Promise<void>((r) => blocker.close(() => r()));
    await Promise.race([started, exit.then((code) => Promise.reject(new Error(`serve exited ${code}: ${err}`)))]);
    expect(out).toContain(`data plane listening on http://127.0.0.1:${port} (2 worker processes)`);
    // The data plane answers (a refusal of an unknown domain, from the gateway, not a connection error).
    const answer = await get(`http://127.0.0.1:${port}`, '/nothing', 'demo.localhost');
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  test('a second gateway asking for a port the workers of another hold does not get a share of its connections', async () => {
    // The workers of `first` bind the port with SO_REUSEPORT (on Linux), which any socket asking
    // for it could join; `second`, another gateway on its own data directory, must not.
    const first = await serve(dir.dir, ['--workers', '2']);
    const port = new URL(first.dataUrl).port;
    const other = tempDir();
    const child = spawn(process.execPath, [serveMain, '--data-dir', other.dir, '--port', port, '--admin-port', '0', '--workers', '2'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('failed to start')) resolve();
      });
      void exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    expect(err).toMatch(/data-plane worker \d+ failed to start: .*EADDRINUSE/);
    expect(out).not.toContain('data plane listening');
    child.kill('SIGTERM');
    await exit;
    other.cleanup();
    // The first gateway still serves on its port.
    expect((await get(first.dataUrl, '/nothing', 'demo.localhost')).body).toContain('I400DO');
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
  });

  test('a second serve on the same data directory is refused, naming the holder; a killed holder does not block a restart', async () => {
    const first = await serve(dir.dir, ['--workers', '1']);
    const second = spawnSync(process.execPath, [serveMain, '--data-dir', dir.dir, '--port', '0', '--admin-port', '0', '--workers', '1'], { env, encoding: 'utf8' });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`data directory ${dir.dir} is in use by apigw process ${first.child.pid}`);
    // The holder still serves, unaffected.
    expect((await fetch(`${first.adminUrl}/healthz`)).status).toBe(200);

    // kill -9 leaves the lock file behind; the lock itself went with the process.
    first.child.kill('SIGKILL');
    await first.exit;
    const restarted = await serve(dir.dir, ['--workers', '1']);
    expect((await fetch(`${restarted.adminUrl}/healthz`)).status).toBe(200);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exit).toBe(0);
  });

  test('--admin-tls-cert/--admin-tls-key serve the admin API over HTTPS, the token still required', async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }] });
    writeFileSync(join(dir.dir, 'cert.pem'), pems.cert);
    writeFileSync(join(dir.dir, 'key.pem'), pems.private, { mode: 0o600 });
    const running = await serve(dir.dir, ['--workers', '1', '--admin-host', '127.0.0.1', '--admin-tls-cert', join(dir.dir, 'cert.pem'), '--admin-tls-key', join(dir.dir, 'key.pem')]);
    expect(running.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const token = readFileSync(join(dir.dir, 'admin.token'), 'utf8').trim();
    const client = new HttpGatewayClient({ endpoint: running.adminUrl, token, ca: pems.cert });
    expect((await client.getState()).revision).toBe(0);
    await client.close();
    const noToken = new HttpGatewayClient({ endpoint: running.adminUrl, token: 'wrong', ca: pems.cert });
    await expect(noToken.getState()).rejects.toMatchObject({ status: 401 });
    await noToken.close();
    // Plain HTTP on the same port is not answered as the admin API.
    await expect(fetch(running.adminUrl.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
  });

  test('a non-loopback admin address without TLS is refused unless allowed explicitly', () => {
    const run = spawnSync(process.execPath, [serveMain, '--data-dir', dir.dir, '--port', '0', '--admin-port', '0', '--workers', '1', '--admin-host', '0.0.0.0'], { env, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the admin API would listen on 0.0.0.0 over plain HTTP');
    expect(run.stderr).toContain('--admin-insecure');
    const half = spawnSync(process.execPath, [serveMain, '--admin-tls-cert', 'cert.pem'], { env, encoding: 'utf8' });
    expect(half.status).toBe(2);
    expect(half.stderr).toContain('--admin-tls-cert and --admin-tls-key go together');
  });

  test.each([1, 2])('the access log: JSON lines to a file, reopened on SIGHUP after rotation (--workers %d)', async (workers) => {
    const log = join(dir.dir, 'access.log');
    const running = await serve(dir.dir, ['--workers', String(workers), '--access-log', log]);
    const token = readFileSync(join(dir.dir, 'admin.token'), 'utf8').trim();
    const client = new HttpGatewayClient({ endpoint: running.adminUrl, token });
    const result = await client.batch({ stack: 'demo', operations: PING_OPERATIONS });
    await client.close();
    expect(result.revision).toBe(1);
    const lines = (file: string): Record<string, unknown>[] =>
      existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) : [];
    // Workers follow the commit over IPC: ask (bounded) until one answers from the new revision.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await get(running.dataUrl, '/ping', 'demo.localhost')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    // A line is written once its answer is sent: look (bounded) until it is there.
    for (let i = 0; i < 100 && !lines(log).some((l) => l['status'] === 200); i++) await new Promise((r) => setTimeout(r, 50));
    const served = lines(log).find((l) => l['status'] === 200);
    expect(served).toMatchObject({ api: 'demo/ping', stage: 'RELEASE', status: 200, method: 'GET' });
    expect(typeof served?.['requestId']).toBe('string');
    expect(typeof served?.['ms']).toBe('number');
    expect(JSON.stringify(lines(log))).not.toContain(token);

    // logrotate: move the file away, then SIGHUP; new lines go to a new file at the same path.
    renameSync(log, `${log}.1`);
    const rotated = lines(`${log}.1`).length;
    running.child.kill('SIGHUP');
    // The kernel spreads connections over the workers by their addresses: ask until each has answered (bounded).
    const answeredBy = (ls: Record<string, unknown>[]): number => new Set(ls.map((l) => String(l['requestId']).slice(0, 24))).size;
    let fresh: Record<string, unknown>[] = [];
    for (let i = 0; i < 100 && (fresh.length < 4 || answeredBy(fresh) < workers); i++) {
      await get(running.dataUrl, '/ping', 'demo.localhost');
      fresh = lines(log);
      if (fresh.length < 4) await new Promise((r) => setTimeout(r, 50));
    }
    expect(fresh.length).toBeGreaterThanOrEqual(4);
    expect(fresh.every((l) => l['api'] === 'demo/ping')).toBe(true);
    // Every serving process reopened: the new file holds lines from each (request ids carry the process).
    expect(new Set(fresh.map((l) => String(l['requestId']).slice(0, 24))).size).toBe(workers);
    expect(running.child.exitCode).toBeNull();
    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
    expect(lines(`${log}.1`).length).toBeGreaterThanOrEqual(rotated);
  });

  test('an unusable data directory is refused with the reason (exit 1), and left as it was', () => {
    const file = join(dir.dir, 'gateway.db');
    writeFileSync(file, 'not a database'.repeat(200));
    const run = spawnSync(process.execPath, [serveMain, '--data-dir', dir.dir, '--port', '0', '--admin-port', '0'], { env, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('is not a usable apigw store');
    expect(readFileSync(file, 'utf8')).toBe('not a database'.repeat(200));
  });

  test('arguments default to the documented ports and APIGW_DATA_DIR', () => {
    expect(parseServeArgs([], {})).toEqual({ dataDir: '.apigw', port: 8080, adminPort: 9080, host: '127.0.0.1', workers: availableParallelism(), adminHost: '127.0.0.1', accessLog: 'stdout' });
    expect(parseServeArgs(['--data-dir', '/d', '--port', '0', '--admin-port', '1', '--host', '::1', '--workers', '3'], {})).toEqual({
      dataDir: '/d',
      port: 0,
      adminPort: 1,
      host: '::1',
      workers: 3,
      adminHost: '127.0.0.1',
      accessLog: 'stdout',
    });
    expect(parseServeArgs([], { APIGW_DATA_DIR: '/env' }).dataDir).toBe('/env');
  });
});

function get(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = request(new URL(path, base), { headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
