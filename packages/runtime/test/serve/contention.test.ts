/**
 * `apigw serve --workers 2` starts on a busy machine: two servers at a
 * time, each forking two workers that open the same SQLite files, started
 * again and again while CPU burners (bounded busy loops in child
 * processes) keep every core busy. Every start must come up and stop
 * cleanly; a worker that still fails to start is replaced (and logged).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { tempDir } from '../store/fixtures';

const serveMain = resolve(__dirname, '../../dist/serve-main.js');
const env = { ...process.env };
delete env['APIGW_ADMIN_TOKEN'];
const ROUNDS = 3;
/** How long a burner spins at most; it is killed as soon as the test ends. */
const BURN_MS = 120_000;

function startServe(dir: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [serveMain, '--data-dir', dir, '--port', '0', '--admin-port', '0', '--workers', '2', '--access-log', 'off'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let stopped = false;
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolvePromise) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (!stopped && out.includes('state at revision')) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    // 'close', not 'exit': the output is read to its end.
    child.once('close', (code) => resolvePromise({ code, out, err }));
  });
}

describe('serve under CPU pressure', () => {
  const burners: ChildProcess[] = [];
  beforeAll(() => {
    for (let i = 0; i < 2; i++)
      burners.push(spawn(process.execPath, ['-e', `const end = Date.now() + ${BURN_MS}; while (Date.now() < end) {}`], { stdio: 'ignore' }));
  });
  afterAll(() => {
    for (const burner of burners) burner.kill('SIGKILL');
  });

  test(`${ROUNDS} rounds of two servers with two workers each all start and stop cleanly`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dirs = [tempDir(), tempDir()];
      try {
        const runs = await Promise.all(dirs.map((d) => startServe(d.dir)));
        for (const run of runs) {
          expect(run.err).not.toContain('cannot start');
          expect(run.out).toContain('(2 worker processes)');
          expect(run.out).toContain('apigw stopped');
          expect(run.code).toBe(0);
        }
      } finally {
        for (const d of dirs) d.cleanup();
      }
    }
  }, 300_000);
});
