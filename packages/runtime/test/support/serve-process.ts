/**
 * `apigw serve` as a process (the built serve-main.js) on free ports, for
 * the tests that run it: started, it has printed where it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The built `apigw serve` entry point. */
export const SERVE_MAIN = resolve(__dirname, '../../dist/serve-main.js');

/** A running `apigw serve`. */
export interface ServeProcess {
  child: ChildProcess;
  adminUrl: string;
  dataUrl: string;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

/**
 * Starts `apigw serve --data-dir dir --port 0 --admin-port 0 ...extra` and
 * resolves once it has printed its data-plane and admin addresses and its
 * revision; rejects with its standard error if it exits first.
 */
export function startServe(dir: string, extra: readonly string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [SERVE_MAIN, '--data-dir', dir, '--port', '0', '--admin-port', '0', ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolvePromise, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const admin = /admin API listening on (\S+)/.exec(out);
      const data = /data plane listening on (\S+)/.exec(out);
      if (admin && data && out.includes('revision')) resolvePromise({ child, adminUrl: admin[1]!, dataUrl: data[1]!, out: () => out, err: () => err, exit });
    });
    void exit.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}
