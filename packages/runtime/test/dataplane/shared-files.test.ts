/**
 * The files the gateway's processes share — the anti-replay nonces, the
 * call counters and an embedded bucket's index — opened for the first time
 * by several processes at the same moment, as data-plane workers starting
 * together do. SQLite answers "database is locked" to some of those opens
 * without waiting (switching a fresh file to WAL while another process has
 * it open); every process must still open the file and use it.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../store/fixtures';

const dist = resolve(__dirname, '../../dist');
const PROCESSES = 6;
const ROUNDS = 4;

/** What each process runs: wait for the common start, open the three files, use each once. */
const opener = `
const { SharedNonceStore } = require(${JSON.stringify(join(dist, 'dataplane/shared-nonce-store.js'))});
const { SharedRateCounter } = require(${JSON.stringify(join(dist, 'dataplane/plugins/shared-rate-counter.js'))});
const { EmbeddedObjectStore } = require(${JSON.stringify(join(dist, 'dataplane/backends/oss/embedded-store.js'))});
const [dir, go] = process.argv.slice(1);
const fs = require('node:fs');
const pause = new Int32Array(new SharedArrayBuffer(4));
while (!fs.existsSync(go)) Atomics.wait(pause, 0, 0, 1);
try {
  const nonces = new SharedNonceStore(dir + '/nonces.db');
  const verdict = nonces.check('app\\n' + process.pid, Date.now());
  nonces.close();
  const counter = new SharedRateCounter(dir + '/counters.db');
  const counted = counter.consume('k', 0, 60000, 1000).allowed;
  counter.close();
  const objects = new EmbeddedObjectStore(dir + '/oss');
  const missing = objects.head('bucket', 'nothing') === undefined;
  objects.close();
  process.stdout.write(JSON.stringify({ verdict, counted, missing }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error.code + ': ' + error.message }));
}
`;

function run(dir: string, go: string): Promise<string> {
  const child = spawn(process.execPath, ['-e', opener, dir, go], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', () => resolvePromise(out));
  });
}

describe('files shared by processes', () => {
  test('opened for the first time by several processes at once, each opens and uses them', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir();
      const go = join(dir.dir, 'go');
      const results = Array.from({ length: PROCESSES }, () => run(dir.dir, go));
      // Every process is started and waiting; the file that releases them all.
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(go, '');
      const outputs = (await Promise.all(results)).map((o) => JSON.parse(o) as Record<string, unknown>);
      expect(outputs).toEqual(Array.from({ length: PROCESSES }, () => ({ verdict: 'OK', counted: true, missing: true })));
      expect(existsSync(join(dir.dir, 'nonces.db'))).toBe(true);
      dir.cleanup();
    }
  }, 120_000);
});
