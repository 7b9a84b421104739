/**
 * The provider as Pulumi really runs it: the program serializes the
 * provider object to source (the same call `pulumi.dynamic.Resource`
 * makes), and Pulumi's own dynamic provider host — a separate process —
 * evaluates that source and answers the engine's gRPC calls. This test
 * plays the engine: it starts the host from @pulumi/pulumi, configures it
 * with the stack's apigw:* config and drives Check, Create, Read, Diff,
 * Update and Delete against a gateway on loopback.
 *
 * Runs the built code (`tsc -b` first), as the host process loads
 * @apigw/provider/pulumi from node_modules.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createGateway, type Gateway } from '@apigw/runtime';

// Generated protobuf modules of @pulumi/pulumi (CommonJS, no type packages of their own).
/* eslint-disable @typescript-eslint/no-require-imports */
const provrpc = require('@pulumi/pulumi/proto/provider_grpc_pb');
const provproto = require('@pulumi/pulumi/proto/provider_pb');
const { Struct } = require('google-protobuf/google/protobuf/struct_pb');
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = resolve(__dirname, '../../../..');
const HOST = require.resolve('@pulumi/pulumi/cmd/dynamic-provider/index.js');
const URN = 'urn:pulumi:dev::shop::pulumi-nodejs:dynamic/apigw:App::mobile';
const PROVIDER = '__provider';

const KINDS = ['vpcAccess', 'backendService', 'group', 'api', 'app', 'authorization'];

/** Serializes providerFor(kind) of every kind in a fresh Node process, as a Pulumi program does. */
function serializedProviders(): Record<string, string> {
  const script = `
    const pulumi = require('@pulumi/pulumi');
    const { providerFor } = require('@apigw/provider/pulumi');
    Promise.all(${JSON.stringify(KINDS)}.map((kind) => {
      const provider = providerFor(kind);
      return pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })
        .then((sf) => [kind, sf.containsSecrets ? null : sf.text]);
    })).then((entries) => process.stdout.write(JSON.stringify(Object.fromEntries(entries))));`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', env: cleanEnv() });
  if (run.status !== 0) throw new Error(`serializing the providers failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, string>;
}

/** The environment without any apigw setting, so the host can only learn them from config. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('APIGW_')) delete env[key];
  return env;
}

type Bag = Record<string, unknown>;
type Client = Record<string, (request: unknown, callback: (error: Error | null, response: Record<string, () => unknown>) => void) => void>;

function call<T extends Record<string, () => unknown>>(client: Client, method: string, request: unknown): Promise<T> {
  return new Promise((resolvePromise, reject) =>
    client[method]!.call(client, request, (error, response) => (error ? reject(error) : resolvePromise(response as T))),
  );
}

function struct(bag: Bag): unknown {
  return Struct.fromJavaScript(bag);
}

function bagOf(value: unknown): Bag {
  return (value as { toJavaScript(): Bag }).toJavaScript();
}

let gateway: Gateway;
let dataDir: string;
let host: ChildProcess;
let client: Client;
let providers: Record<string, string>;
let appProvider: string;

beforeAll(async () => {
  providers = serializedProviders();
  appProvider = providers['app']!;
  dataDir = mkdtempSync(join(tmpdir(), 'apigw-pulumi-host-'));
  gateway = await createGateway({ dataDir, port: 0, adminPort: 0, adminToken: 'host-test-token' });

  host = spawn(process.execPath, [HOST, '127.0.0.1:1'], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  host.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<string>((resolvePort, reject) => {
    let out = '';
    host.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0]!;
      if (out.includes('\n')) resolvePort(line.trim());
    });
    host.once('exit', (code) => reject(new Error(`dynamic provider host exited with ${code}: ${stderr}`)));
  });
  client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client;

  const configure = new provproto.ConfigureRequest();
  configure.setArgs(struct({ 'apigw:endpoint': gateway.adminUrl, 'apigw:token': gateway.adminToken, 'apigw:stack': 'shop' }));
  configure.setAcceptsecrets(true);
  await call(client, 'configure', configure);
});

afterAll(async () => {
  (client as unknown as grpc.Client | undefined)?.close();
  if (host && host.exitCode === null) {
    const exited = new Promise((r) => host.once('exit', r));
    host.kill('SIGTERM');
    await exited;
  }
  await gateway?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the serialized provider in Pulumi’s dynamic provider host', () => {
  it('serializes to a small shell that captures no client, socket, token or module', () => {
    for (const kind of KINDS) {
      const text = providers[kind];
      expect(typeof text).toBe('string'); // null: the closure held a secret
      expect(text!.length).toBeLessThan(8_000);
      expect(text).toContain('"@apigw/provider/pulumi"');
      expect(text).toContain(`__provider.kind = ${JSON.stringify(kind)}`);
      expect(text).toContain('var __provider_settings = {};');
      for (const captured of ['HttpGatewayClient', 'undici', 'Pool', 'Socket', 'require("', 'Bearer']) expect(text).not.toContain(captured);
    }
  });

  it('creates, refreshes, diffs, updates and deletes an app through the gRPC interface the engine uses', async () => {
    const news = { name: 'mobile', [PROVIDER]: appProvider };
    const check = new provproto.CheckRequest();
    check.setUrn(URN);
    check.setOlds(struct({}));
    check.setNews(struct(news));
    const checked = await call<{ getInputs(): unknown; getFailuresList(): unknown[] }>(client, 'check', check);
    expect(checked.getFailuresList()).toEqual([]);
    const inputs = bagOf(checked.getInputs());
    expect(inputs).toMatchObject({ name: 'mobile', stack: 'shop', [PROVIDER]: appProvider });

    const create = new provproto.CreateRequest();
    create.setUrn(URN);
    create.setProperties(struct(inputs));
    const created = await call<{ getId(): string; getProperties(): unknown }>(client, 'create', create);
    expect(created.getId()).toBe('mobile');
    const outputs = bagOf(created.getProperties());
    const credentials = await gateway.client.getCredentials('mobile');
    expect(outputs).toMatchObject({ name: 'mobile', stack: 'shop', appKey: credentials.appKey, appSecret: credentials.appSecret, appCode: credentials.appCode });
    expect(outputs[PROVIDER]).toBe(appProvider);
    expect((await gateway.client.getResource('app', 'mobile'))?.stack).toBe('shop');

    await gateway.client.batch({ stack: 'shop', operations: [{ op: 'update', kind: 'app', spec: { name: 'mobile', description: 'by hand' } }] });
    const read = new provproto.ReadRequest();
    read.setId('mobile');
    read.setUrn(URN);
    read.setProperties(struct(outputs));
    const refreshed = bagOf((await call<{ getProperties(): unknown }>(client, 'read', read)).getProperties());
    expect(refreshed['description']).toBe('by hand');

    const diff = new provproto.DiffRequest();
    diff.setId('mobile');
    diff.setUrn(URN);
    diff.setOlds(struct(refreshed));
    diff.setNews(struct(inputs));
    const diffed = await call<{ getChanges(): number; getReplacesList(): string[] }>(client, 'diff', diff);
    expect(diffed.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
    expect(diffed.getReplacesList()).toEqual([]);

    const update = new provproto.UpdateRequest();
    update.setId('mobile');
    update.setUrn(URN);
    update.setOlds(struct(refreshed));
    update.setNews(struct(inputs));
    const updated = bagOf((await call<{ getProperties(): unknown }>(client, 'update', update)).getProperties());
    expect(updated).not.toHaveProperty('description');
    expect((await gateway.client.getResource('app', 'mobile'))?.spec).toEqual({ name: 'mobile' });

    const same = new provproto.DiffRequest();
    same.setId('mobile');
    same.setUrn(URN);
    same.setOlds(struct(updated));
    same.setNews(struct(inputs));
    expect((await call<{ getChanges(): number }>(client, 'diff', same)).getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_NONE);

    const remove = new provproto.DeleteRequest();
    remove.setId('mobile');
    remove.setUrn(URN);
    remove.setProperties(struct(updated));
    await call(client, 'delete', remove);
    expect(await gateway.client.getResource('app', 'mobile')).toBeUndefined();

    // A refresh of a resource that is gone answers an empty id: the engine drops it from the state.
    const gone = new provproto.ReadRequest();
    gone.setId('mobile');
    gone.setUrn(URN);
    gone.setProperties(struct(updated));
    expect((await call<{ getId(): string }>(client, 'read', gone)).getId()).toBe('');
  });

  it('reports check failures by field through the host', async () => {
    const check = new provproto.CheckRequest();
    check.setUrn(URN);
    check.setOlds(struct({}));
    check.setNews(struct({ name: 'no', [PROVIDER]: appProvider }));
    const checked = await call<{ getFailuresList(): { getProperty(): string; getReason(): string }[] }>(client, 'check', check);
    expect(checked.getFailuresList().map((f) => f.getProperty())).toEqual(['name']);
  });
});
