/**
 * A throwaway PostgreSQL for tests: found on the machine (or installed
 * from Debian's `postgresql` package when missing), initialized in a
 * temporary directory, started on a free loopback port as an unprivileged
 * user (initdb refuses root), and stopped by its PID. Every PostgreSQL test
 * starts its server here.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** A running throwaway server. */
export interface TestPostgres {
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** PID of the postmaster. */
  readonly pid: number;
  /** URL of a database on this server (created by createDatabase). */
  url(database: string): string;
  /** Creates a fresh database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown: sessions end, nothing is lost) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

const USER = 'apigw';
const PASSWORD = 'apigw';

/** The directory of PostgreSQL's server programs (initdb, postgres), installing the package when none is found. */
export function postgresBinDir(): string {
  const found = findBinDir();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('PostgreSQL is not installed and installing it needs root: apt-get install -y postgresql');
  const install = spawnSync('bash', ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql'], { stdio: 'inherit' });
  if (install.status !== 0) throw new Error('apt-get install -y postgresql failed');
  const installed = findBinDir();
  if (!installed) throw new Error('PostgreSQL was installed but initdb is nowhere to be found');
  return installed;
}

function findBinDir(): string | undefined {
  // Debian keeps the server programs off PATH, one directory per major version: take the newest.
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v) && existsSync(join(debian, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0]!, 'bin');
  }
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  return undefined;
}

/** The unprivileged account the server runs as when the tests run as root. */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody account exists to run PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Initializes and starts a throwaway server. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const account = serverAccount();
  const root = mkdtempSync(join(tmpdir(), 'apigw-pg-'));
  const data = join(root, 'data');
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, PASSWORD);
  if (account) {
    chownSync(root, account.uid, account.gid);
    chownSync(pwfile, account.uid, account.gid);
  }
  const owner = account ? { uid: account.uid, gid: account.gid } : {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'], {
    cwd: root,
    encoding: 'utf8',
    ...owner,
  });
  if (init.status !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr}`);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const server = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], ...owner },
    );
    let log = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    child = server;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${log}`);
      const client = new pg.Client({ connectionString: url('postgres') });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s: ${log}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };

  const stop = async (): Promise<void> => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    // SIGINT: fast shutdown (sessions are ended, committed work is kept).
    server.kill('SIGINT');
    await exited;
  };

  const url = (database: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

  await start();
  return {
    port,
    get pid() {
      return child?.pid ?? 0;
    },
    url,
    async createDatabase(name: string): Promise<string> {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
    start,
    async destroy(): Promise<void> {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
