/**
 * `npm run demo`: the product in one go, on the embedded gateway.
 *
 * Starts a gateway (temporary data dir, loopback ephemeral ports) and two
 * sample HTTP backends (users v1 and users v2); applies
 * examples/quickstart/gateway.ts with every backend pointed at v1; calls
 * `apigw call shop/getUser` (GET /users/42 signed with the mobile app's
 * AppKey and AppSecret); moves
 * the users service's RELEASE URL to v2, shows the plan (which names the
 * APIs this repoints, with no republish), applies it and calls again: v2
 * answers. Then stops everything it started.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createGateway, type Gateway } from '@apigw/runtime';
import { main } from '../cli/main';

const QUICKSTART = path.resolve(__dirname, '../../../../examples/quickstart/gateway.ts');

/** A sample backend: answers every request with its name and what it received. */
interface SampleBackend {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

async function startSampleBackend(name: string): Promise<SampleBackend> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ servedBy: name, method: req.method, path: req.url, tenant: req.headers['x-tenant'] ?? null }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function step(title: string): void {
  process.stdout.write(`\n=== ${title}\n\n`);
}

/** Runs the apigw CLI in this process against the demo gateway; fails the demo on an unexpected exit code. */
async function apigw(gateway: Gateway, args: string[], expected: number[] = [0], stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  process.stdout.write(`$ apigw ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}\n`);
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, {
    stdout,
    stderr: process.stderr,
    stdin,
    env: { ...process.env, APIGW_ENDPOINT: gateway.adminUrl, APIGW_TOKEN: gateway.adminToken, APIGW_GATEWAY: gateway.dataUrl },
  });
  if (!expected.includes(code)) throw new Error(`apigw ${args[0]} exited with ${code}`);
  return code;
}

/** `apigw call shop/getUser` (signed with the mobile app's AppKey/AppSecret); resolves with the backend that answered. */
async function callGetUser(gateway: Gateway): Promise<string> {
  const printed = new PassThrough();
  const chunks: Buffer[] = [];
  printed.on('data', (c: Buffer) => {
    chunks.push(c);
    process.stdout.write(c);
  });
  await apigw(gateway, ['call', 'shop/getUser', '--path-param', 'id=42', '--query', 'fields=name', '--app', 'mobile'], [0], printed);
  const body = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n').pop() ?? '';
  return (JSON.parse(body) as { servedBy: string }).servedBy;
}

/** The demo; resolves with the process exit code. */
export async function runDemo(): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-demo-'));
  const started: { close(): Promise<void> }[] = [];
  try {
    step('Starting two sample backends and the embedded gateway');
    const v1 = await startSampleBackend('users v1');
    started.push(v1);
    const v2 = await startSampleBackend('users v2');
    started.push(v2);
    const gateway = await createGateway({ dataDir, port: 0, adminPort: 0, inventory: { 'i-quickstart-orders': '127.0.0.1' } });
    started.push(gateway);
    process.stdout.write(`users v1 on ${v1.url}, users v2 on ${v2.url}\n`);
    process.stdout.write(`gateway: data plane ${gateway.dataUrl}, admin API ${gateway.adminUrl}, data dir ${dataDir}\n`);

    process.env['QUICKSTART_USERS_TEST_URL'] = v1.url;
    process.env['QUICKSTART_USERS_RELEASE_URL'] = v1.url;
    process.env['QUICKSTART_ORDERS_PORT'] = String(v1.port);

    step('Applying examples/quickstart (every backend on users v1)');
    await apigw(gateway, ['apply', '-f', QUICKSTART, '--auto-approve']);

    step('Calling an API with a signed request');
    const before = await callGetUser(gateway);

    step("Moving the users service's RELEASE URL to users v2");
    process.env['QUICKSTART_USERS_RELEASE_URL'] = v2.url;
    await apigw(gateway, ['plan', '-f', QUICKSTART, '--detailed-exitcode'], [2]);
    process.stdout.write('\n');
    await apigw(gateway, ['apply', '-f', QUICKSTART, '--auto-approve']);

    step('Calling the same API again');
    const after = await callGetUser(gateway);

    step('Done');
    process.stdout.write(`Before: ${before}. After: ${after}. No API was republished: the backend's RELEASE definition repointed them.\n`);
    return before === 'users v1' && after === 'users v2' ? 0 : 1;
  } finally {
    for (const s of started.reverse()) await s.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runDemo().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
