/**
 * End-to-end harness: a real gateway (createGateway on loopback, ephemeral
 * ports, temporary data dir), sample HTTP backends, and the `apigw` CLI run
 * in-process with captured output.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createGateway, type Gateway } from '@apigw/runtime';
import { main } from '../../src/cli';

/** What one CLI run produced. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running gateway plus a scratch directory for documents and plans. */
export interface Harness {
  readonly gateway: Gateway;
  readonly dir: string;
  /** Runs `apigw ARGS` against the gateway (endpoint and token from the environment, as a user would). */
  cli(...args: string[]): Promise<CliRun>;
  /** Writes a document to the scratch directory and returns its path. */
  write(name: string, doc: unknown): string;
  close(): Promise<void>;
}

/** Starts a gateway for one test file. */
export async function startHarness(): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-e2e-'));
  const gateway = await createGateway({ dataDir: path.join(dir, 'data'), port: 0, adminPort: 0 });
  const env = { APIGW_ENDPOINT: gateway.adminUrl, APIGW_TOKEN: gateway.adminToken, NO_COLOR: '1' };
  return {
    gateway,
    dir,
    async cli(...args) {
      const stdout = collect();
      const stderr = collect();
      const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
      stdin.end();
      const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, stdin, env });
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    },
    write(name, doc) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
      return file;
    },
    async close() {
      await gateway.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** A loopback HTTP server answering every request with `{ backend: name, path }`. */
export async function startBackend(name: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ backend: name, path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A GET to the data plane for a group's domain and a stage; resolves with status and body. */
export function callGateway(gateway: Gateway, host: string, pathname: string, stage = 'RELEASE'): Promise<{ status: number; body: string }> {
  const url = new URL(pathname, gateway.dataUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers: { host, 'x-ca-stage': stage } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
