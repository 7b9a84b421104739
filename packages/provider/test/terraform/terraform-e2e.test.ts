/**
 * End to end with the real tools: terraform-provider-apigw installed into a
 * filesystem mirror in a temporary directory (TF_CLI_CONFIG_FILE, nothing
 * downloaded), then `terraform init/apply/plan/destroy` on an HCL
 * configuration against a gateway runtime on loopback; and the walkthrough
 * of examples/cdktf/README.md typed line by line into one bash session
 * exactly as written (`apigw serve`, the mirror installer, `cdktf deploy`,
 * curl, `cdktf destroy`, `apigw plan/apply` of the synthesized stack),
 * checking traffic through the gateway it started.
 *
 * Terraform must be installed (our machines and CI have 1.11): without it
 * this test fails and says so. It runs the built plugin (dist/), like every
 * test that spawns a process.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createGateway, type Gateway } from '@apigw/runtime';
import { validateDocument } from '@apigw/schema';
import { documentFromTfJson } from '../../src/cdktf/from-tf-json';
import { providerSchemaJson } from '../../src/terraform/provider-schema';
import { blocksUnder, commandsOf, isBackground, startSession, withoutComment, type Block, type Session } from '../readme-commands';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const PACKAGE = path.join(REPO, 'packages', 'provider');
const EXAMPLE = path.join(REPO, 'examples', 'cdktf');
const TOKEN = 'e2e-admin-token';

const installer = require(path.join(PACKAGE, 'scripts', 'install-terraform-provider.js')) as {
  installProvider(mirror: string): string;
  cliConfig(mirror: string): string;
  version: string;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (the gateway serves from this process). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const r = await run(command, args, cwd, env);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** GET through the data plane for a host. */
function get(dataUrl: string, host: string, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${dataUrl}${urlPath}`, { headers: { host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function startBackend(name: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ backend: name, path: req.url }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const urlOf = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

/** A loopback port nothing listens on now, for a command that takes its port from the environment. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the loopback port (a server started in the background). */
async function waitPort(port: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const HCL = `
terraform {
  required_providers {
    apigw = { source = "apigw/apigw", version = "${installer.version}" }
  }
}

variable "users_url" { type = string }

provider "apigw" {
  stack = "hcl"
}

resource "apigw_backend_service" "users" {
  name = "users"
  type = "HTTP"
  environments {
    release { url = var.users_url }
  }
}

resource "apigw_api_group" "shop" {
  name    = "shop"
  domains = ["hcl.shop.test"]
}

resource "apigw_api" "get_user" {
  group = apigw_api_group.shop.name
  name  = "getUser"
  auth {
    app_code = "HEADER"
  }
  request {
    method = "GET"
    path   = "/users/{id}"
    parameters {
      name     = "id"
      in       = "PATH"
      required = true
    }
  }
  backend {
    service = apigw_backend_service.users.name
    path    = "/v1/users/{id}"
  }
  stages = ["RELEASE"]
}

resource "apigw_app" "mobile" {
  name = "mobile"
}

resource "apigw_authorization" "mobile_get_user" {
  app    = apigw_app.mobile.name
  api    = apigw_api.get_user.id
  stages = ["RELEASE"]
}

output "app_key" {
  value = apigw_app.mobile.app_key
}
`;

/** Terraform, cdktf and a gateway share the machine with the rest of the suite: a busy machine needs minutes, not seconds. */
const E2E_TIMEOUT_MS = 300_000;

describe('terraform and cdktf against a real gateway, offline through a filesystem mirror', () => {
  let tmp: string;
  let gateway: Gateway;
  let backendA: http.Server;
  let backendB: http.Server;
  let env: NodeJS.ProcessEnv;
  let session: Session | undefined;

  beforeAll(async () => {
    const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
    if (terraform.error || terraform.status !== 0)
      throw new Error(
        'terraform is not on PATH: this end-to-end test needs Terraform >= 1.0 (our machines and CI have 1.11 at /usr/local/bin/terraform). ' +
          'Install it; the test is not skipped.',
      );
    if (!fs.existsSync(path.join(PACKAGE, 'dist', 'terraform', 'main.js')) || !fs.existsSync(path.join(PACKAGE, 'dist', 'cdktf', 'index.js')))
      throw new Error('packages/provider is not built: run `npx tsc -b` (npm test does) before this test');

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-tf-e2e-'));
    const mirror = path.join(tmp, 'mirror');
    installer.installProvider(mirror);
    const cliConfigFile = path.join(tmp, 'terraform.rc');
    fs.writeFileSync(cliConfigFile, installer.cliConfig(mirror));

    gateway = await createGateway({ dataDir: path.join(tmp, 'gateway'), port: 0, adminPort: 0, adminToken: TOKEN });
    backendA = await startBackend('A');
    backendB = await startBackend('B');

    env = {
      PATH: [path.dirname(process.execPath), path.join(REPO, 'node_modules', '.bin'), process.env['PATH'] ?? ''].join(path.delimiter),
      HOME: tmp,
      TMPDIR: os.tmpdir(),
      TF_CLI_CONFIG_FILE: cliConfigFile,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      NO_COLOR: '1',
      CI: '1',
      APIGW_ENDPOINT: gateway.adminUrl,
      APIGW_TOKEN: TOKEN,
    };
  });

  afterAll(async () => {
    await session?.stop();
    await gateway?.close();
    await new Promise((r) => backendA?.close(r));
    await new Promise((r) => backendB?.close(r));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('terraform init, apply, plan, drift, import, update and destroy an HCL configuration', async () => {
    const dir = path.join(tmp, 'hcl');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'main.tf'), HCL);
    const tf = (...args: string[]) => ['-chdir=' + dir, ...args];

    await ok('terraform', tf('init', '-input=false', '-no-color'), dir, env);
    expect(fs.readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8')).toContain('registry.terraform.io/apigw/apigw');

    // The schema Terraform reads from the plugin is the one the module derives.
    const schema = JSON.parse((await ok('terraform', tf('providers', 'schema', '-json'), dir, env)).stdout) as unknown;
    const { provider_versions: _versions, ...expected } = providerSchemaJson(installer.version);
    expect(schema).toEqual(expected);

    const vars = (url: string) => ['-var', `users_url=${url}`];
    const applied = await ok('terraform', tf('apply', '-auto-approve', '-input=false', '-no-color', ...vars(urlOf(backendA))), dir, env);
    expect(applied.stdout).toMatch(/Apply complete! Resources: 5 added, 0 changed, 0 destroyed/);
    const creds = await gateway.client.getCredentials('mobile');
    expect((await ok('terraform', tf('output', '-raw', 'app_key'), dir, env)).stdout).toBe(creds.appKey);
    expect((await gateway.client.getResource('api', 'shop/getUser'))?.stack).toBe('hcl');

    let res = await get(gateway.dataUrl, 'hcl.shop.test', '/users/1', { authorization: `APPCODE ${creds.appCode}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ backend: 'A', path: '/v1/users/1' });

    // A second plan right after apply is empty.
    const same = await run('terraform', tf('plan', '-detailed-exitcode', '-input=false', '-no-color', ...vars(urlOf(backendA))), dir, env);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('No changes.');

    // An out-of-band change shows as drift, planned back in place.
    const live = await gateway.client.getResource('group', 'shop');
    await gateway.client.batch({ stack: 'hcl', operations: [{ op: 'update', kind: 'group', spec: { ...(live!.spec as object), description: 'edited by hand' } as never }] });
    const drift = await run('terraform', tf('plan', '-detailed-exitcode', '-input=false', '-no-color', ...vars(urlOf(backendA))), dir, env);
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/- description += "edited by hand" -> null/);
    expect(drift.stdout).toMatch(/0 to add, 1 to change, 0 to destroy/);

    // A resource made outside Terraform, owned by another stack, is imported and then claimed.
    await gateway.client.batch({ stack: 'legacy', operations: [{ op: 'create', kind: 'app', spec: { name: 'partner', description: 'made by hand' } }] });
    fs.writeFileSync(path.join(dir, 'partner.tf'), 'resource "apigw_app" "partner" {\n  name        = "partner"\n  description = "managed by terraform"\n}\n');
    const imported = await ok('terraform', tf('import', '-input=false', '-no-color', ...vars(urlOf(backendA)), 'apigw_app.partner', 'partner'), dir, env);
    expect(imported.stdout).toMatch(/Import successful/);

    // Repointing RELEASE is an in-place update (with the drift and the import's first change).
    const changed = await run('terraform', tf('plan', '-detailed-exitcode', '-input=false', '-no-color', ...vars(urlOf(backendB))), dir, env);
    expect(changed.code).toBe(2);
    expect(changed.stdout).toMatch(/0 to add, 3 to change, 0 to destroy/);
    // Secrets stay out of plans.
    const partner = await gateway.client.getCredentials('partner');
    expect(changed.stdout).not.toContain(partner.appSecret);
    expect(changed.stdout).not.toContain(partner.appCode);
    await ok('terraform', tf('apply', '-auto-approve', '-input=false', '-no-color', ...vars(urlOf(backendB))), dir, env);
    res = await get(gateway.dataUrl, 'hcl.shop.test', '/users/2', { authorization: `APPCODE ${creds.appCode}` });
    expect(JSON.parse(res.body)).toEqual({ backend: 'B', path: '/v1/users/2' });
    expect(await gateway.client.getResource('group', 'shop')).toMatchObject({ spec: { name: 'shop' } });
    expect((await gateway.client.getResource('group', 'shop'))?.spec).not.toHaveProperty('description');
    expect(await gateway.client.getResource('app', 'partner')).toMatchObject({ stack: 'hcl', spec: { description: 'managed by terraform' } });

    const destroyed = await ok('terraform', tf('destroy', '-auto-approve', '-input=false', '-no-color', ...vars(urlOf(backendB))), dir, env);
    expect(destroyed.stdout).toMatch(/Destroy complete! Resources: 6 destroyed/);
    const left = await gateway.client.getState({ stack: 'hcl' });
    expect([left.vpcAccesses, left.backendServices, left.groups, left.apis, left.apps, left.authorizations].flat()).toEqual([]);
  }, E2E_TIMEOUT_MS);

  it('examples/cdktf/README.md as written: serve, install the provider, cdktf deploy, call, cdktf destroy, then apply without Terraform', async () => {
    // A stand-in for the repository root with the same layout (node_modules
    // and packages linked, the example copied), so that the walkthrough's
    // state (.apigw, cdktf.out, terraform.shop.tfstate) stays out of the checkout;
    // HOME is a fresh one for ~/.apigw; the ports are free ones, set the way
    // the README says a user moves them.
    const checkout = path.join(tmp, 'checkout');
    fs.mkdirSync(path.join(checkout, 'examples'), { recursive: true });
    for (const link of ['node_modules', 'packages']) fs.symlinkSync(path.join(REPO, link), path.join(checkout, link));
    fs.cpSync(EXAMPLE, path.join(checkout, 'examples', 'cdktf'), { recursive: true, filter: (src) => !/[\\/](cdktf\.out|node_modules|terraform\.[^/]*\.tfstate[^/]*)$/.test(src) });
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    const ports = { APIGW_PORT: await freePort(), APIGW_ADMIN_PORT: await freePort(), USERS_PORT: await freePort() };
    const readmeEnv: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      NO_COLOR: '1',
      CI: '1',
      APIGW_PORT: String(ports.APIGW_PORT),
      APIGW_ADMIN_PORT: String(ports.APIGW_ADMIN_PORT),
      USERS_PORT: String(ports.USERS_PORT),
      EXAMPLE_USERS_TEST_URL: urlOf(backendA),
    };
    for (const k of Object.keys(readmeEnv))
      if (/^(APIGW_(ENDPOINT|TOKEN|DATA_DIR|GATEWAY|STORE)|TF_CLI_CONFIG_FILE|EXAMPLE_USERS_RELEASE_URL|INIT_CWD|npm_package_.*|npm_config_prefix)$/.test(k)) delete readmeEnv[k];

    const readme = path.join(REPO, 'examples/cdktf/README.md');
    const sh = (blocks: Block[]) => blocks.filter((b) => b.lang === 'sh').flatMap(commandsOf);
    const start = sh(blocksUnder(readme, '1. Start a gateway and a backend'));
    const install = sh(blocksUnder(readme, '2. Install the provider into a filesystem mirror'));
    const [deploy, calls, diff] = blocksUnder(readme, '3. Deploy').filter((b) => b.lang === 'sh').map(commandsOf);
    const destroy = sh(blocksUnder(readme, '4. Destroy'));
    const withoutTerraform = sh(blocksUnder(readme, 'Without Terraform'));
    expect([start.length, install.length, deploy!.length, calls!.length, diff!.length, destroy.length, withoutTerraform.length]).toEqual([7, 3, 2, 3, 1, 1, 3]);

    session = startSession(checkout, readmeEnv);
    const out = new Map<string, string>();
    const type = async (line: string) => {
      const since = session!.output().length;
      const r = await session!.run(line, E2E_TIMEOUT_MS);
      if (r.status !== 0) throw new Error(`\`${line}\` exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
      // What the terminal shows, without colours (Terraform colours cdktf's output whatever NO_COLOR says).
      out.set(withoutComment(line), (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, ''));
      if (!isBackground(line)) return;
      // A user sees the server start before typing on; the test waits for the same.
      if (line.includes('apigw serve')) expect((await session!.waitFor(/admin API listening on (\S+)/, 120_000, since))[1]).toBe(`http://127.0.0.1:${ports.APIGW_ADMIN_PORT}`);
      else await waitPort(ports.USERS_PORT);
    };

    for (const line of [...start, ...install, ...deploy!]) await type(line);
    expect(fs.readFileSync(path.join(checkout, '.apigw', 'admin.token'), 'utf8').trim()).not.toBe('');
    expect(fs.existsSync(path.join(home, '.apigw', 'terraform.rc'))).toBe(true);
    expect(out.get('cdktf deploy shop --auto-approve --skip-provider-lock')).toMatch(/Apply complete! Resources: 7 added/);

    // The synthesized stack reads back as the document the constructs make with this environment.
    const stackDir = path.join(checkout, 'examples', 'cdktf', 'cdktf.out', 'stacks', 'shop');
    const synthesized = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(synthesized['resource'] as object).sort()).toEqual(['apigw_api', 'apigw_api_group', 'apigw_app', 'apigw_authorization', 'apigw_backend_service']);
    const shop = (require(path.join(EXAMPLE, 'gateway.ts')) as { default: (env: Record<string, string>) => { synth(): unknown } }).default;
    const usersRelease = `http://127.0.0.1:${ports.USERS_PORT}`;
    expect(validateDocument(documentFromTfJson(synthesized))).toEqual({ ok: true, value: shop({ EXAMPLE_USERS_TEST_URL: urlOf(backendA), EXAMPLE_USERS_RELEASE_URL: usersRelease }).synth() });

    // The calls: RELEASE reaches the Python file server (its 404 page for /v1/users/42), health is the gateway's own.
    // (What a line printed is read with `toContain`: the background gateway's access log shares the terminal.)
    for (const line of calls!) await type(line);
    expect(out.get(`curl -H 'Host: api.shop.localhost' -H "Authorization: APPCODE $CODE" http://127.0.0.1:$APIGW_PORT/users/42`)).toMatch(/Error code: 404[^]*File not found/);
    expect(out.get("curl -H 'Host: api.shop.localhost' http://127.0.0.1:$APIGW_PORT/health")).toContain('{"status":"ok","stage":"RELEASE"}');
    const code = /^CODE=(\S+)$/m.exec((await session.run('echo "CODE=$CODE"')).stdout)?.[1] ?? '';
    expect(code).toMatch(/^\S{16,}$/);
    const dataUrl = `http://127.0.0.1:${ports.APIGW_PORT}`;
    const testStage = await get(dataUrl, 'api.shop.localhost', '/users/43', { authorization: `APPCODE ${code}`, 'x-ca-stage': 'TEST' });
    expect(JSON.parse(testStage.body)).toEqual({ backend: 'A', path: '/v1/users/43' });

    // Nothing to change on a second plan of the deployed stack: cdktf diff as
    // the README shows it, Terraform itself, and apigw reading the same
    // synthesized stack (one semantics).
    for (const line of diff!) await type(line);
    expect(out.get('cdktf diff shop')).toMatch(/No changes\. Your infrastructure matches the configuration/);
    const token = fs.readFileSync(path.join(checkout, '.apigw', 'admin.token'), 'utf8').trim();
    const deployedEnv = { ...readmeEnv, TF_CLI_CONFIG_FILE: path.join(home, '.apigw', 'terraform.rc'), CHECKPOINT_DISABLE: '1', APIGW_ENDPOINT: `http://127.0.0.1:${ports.APIGW_ADMIN_PORT}`, APIGW_TOKEN: token };
    const plan = await run('terraform', ['plan', '-detailed-exitcode', '-input=false', '-no-color'], stackDir, deployedEnv);
    expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 0, stderr: '' });
    const apigwPlan = await run(process.execPath, [path.join(PACKAGE, 'bin', 'apigw.js'), 'plan', '-f', path.join(stackDir, 'cdk.tf.json'), '--detailed-exitcode'], stackDir, deployedEnv);
    expect({ code: apigwPlan.code, stderr: apigwPlan.stderr }).toEqual({ code: 0, stderr: '' });

    for (const line of destroy) await type(line);
    expect(out.get('cdktf destroy shop --auto-approve')).toMatch(/Destroy complete! Resources: 7 destroyed/);
    expect((await get(dataUrl, 'api.shop.localhost', '/health')).status).toBeGreaterThanOrEqual(400);

    // The same stack applied by the apigw CLI from the synthesized file.
    for (const line of withoutTerraform) await type(line);
    expect(out.get('npx apigw plan  -f cdktf.out/stacks/shop/cdk.tf.json')).toContain('Plan: 7 to add, 0 to change, 0 to destroy.');
    expect(out.get('npx apigw apply -f cdktf.out/stacks/shop/cdk.tf.json --auto-approve')).toContain('Apply complete! Resources: 7 added');
    expect(JSON.parse((await get(dataUrl, 'api.shop.localhost', '/health')).body)).toEqual({ status: 'ok', stage: 'RELEASE' });
  }, 2 * E2E_TIMEOUT_MS);
});
