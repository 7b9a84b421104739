/**
 * Plays Terraform's side of the plugin protocol: starts the built
 * terraform-provider-apigw the way go-plugin does (cookie, protocol
 * versions, client certificate), reads the handshake line, connects over
 * mutual TLS and calls tfplugin6 RPCs with msgpack DynamicValues.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { selfSignedCertificate } from '../../src/terraform/certificate';
import { loadPluginProtos } from '../../src/terraform/plugin-server';
import { resourceType } from '../../src/terraform/provider-schema';
import { conform, fromDynamic, toDynamic, type PathStep, type TfObject, type TfValue } from '../../src/terraform/values';

export const PROVIDER_BIN = path.join(__dirname, '..', '..', 'bin', 'terraform-provider-apigw.js');
export const COOKIE = { TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2' };

/** A diagnostic as decoded by proto-loader. */
export interface Diagnostic {
  severity: string;
  summary: string;
  detail?: string;
  attribute?: { steps: PathStep[] };
}

type Unary = (req: unknown, meta: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;
type Client = grpc.Client & Record<string, Unary>;

/** The result of a plan. */
export interface Plan {
  planned: TfValue;
  requiresReplace: PathStep[][];
  diagnostics: Diagnostic[];
  private: Buffer;
}

/** A running plugin and a gRPC connection to it. */
export class PluginHarness {
  private constructor(
    readonly child: ChildProcess,
    readonly handshake: string,
    private readonly provider: Client,
    private readonly health: Client,
    private readonly controller: Client,
    readonly stderr: () => string,
  ) {}

  /** Spawns the plugin with `env` on top of the go-plugin variables and connects. */
  static async start(env: NodeJS.ProcessEnv = {}): Promise<PluginHarness> {
    const clientCert = selfSignedCertificate();
    const child = spawn(process.execPath, [PROVIDER_BIN], {
      env: {
        ...process.env,
        ...COOKIE,
        PLUGIN_PROTOCOL_VERSIONS: '5,6',
        PLUGIN_MIN_PORT: '10000',
        PLUGIN_MAX_PORT: '25000',
        PLUGIN_CLIENT_CERT: clientCert.certPem,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const handshake = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      child.once('exit', (code) => reject(new Error(`provider exited with ${code} before the handshake: ${stderr}`)));
    });
    const [core, proto, network, address, protocol, certB64] = handshake.split('|');
    if (core !== '1' || proto !== '6' || network !== 'tcp' || protocol !== 'grpc' || !address || !certB64)
      throw new Error(`unexpected handshake line ${handshake}`);
    const serverCert = new X509Certificate(Buffer.from(certB64, 'base64'));
    const credentials = grpc.credentials.createSsl(Buffer.from(serverCert.toString()), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem));
    const protos = loadPluginProtos();
    const make = (service: grpc.ServiceDefinition) =>
      new (grpc.makeGenericClientConstructor(service, 'x'))(address, credentials, { 'grpc.ssl_target_name_override': 'localhost' }) as unknown as Client;
    return new PluginHarness(child, handshake, make(protos.provider), make(protos.health), make(protos.controller), () => stderr);
  }

  private static invoke(client: Client, method: string, request: unknown): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const fn = client[method];
      if (!fn) return reject(new Error(`no method ${method}`));
      fn.call(client, request, new grpc.Metadata(), (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  /** Calls a tfplugin6.Provider RPC. */
  call(method: string, request: unknown = {}): Promise<Record<string, unknown>> {
    return PluginHarness.invoke(this.provider, method, request);
  }

  healthCheck(service: string): Promise<Record<string, unknown>> {
    return PluginHarness.invoke(this.health, 'Check', { service });
  }

  /** Calls an RPC the plugin does not declare, to see how it answers. */
  callRaw(pathName: string): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.provider.makeUnaryRequest(
        pathName,
        (x: Buffer) => x,
        (x: Buffer) => x,
        Buffer.alloc(0),
        (err: grpc.ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(res)),
      ),
    );
  }

  /** GRPCController/Shutdown, then waits for the process to exit. */
  async shutdown(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.once('exit', (code) => resolve(code));
    });
    await PluginHarness.invoke(this.controller, 'Shutdown', {}).catch(() => undefined);
    this.provider.close();
    this.health.close();
    this.controller.close();
    return exited;
  }

  /** A full configuration object of `typeName` (every attribute present, as Terraform sends it). */
  static config(typeName: string, partial: TfObject): TfObject {
    const rt = resourceType(typeName);
    if (!rt) throw new Error(`no resource type ${typeName}`);
    return conform(rt.block, partial);
  }

  async configure(config: TfObject): Promise<Diagnostic[]> {
    const res = await this.call('ConfigureProvider', { terraform_version: '1.11.4', config: toDynamic(config) });
    return (res['diagnostics'] as Diagnostic[] | undefined) ?? [];
  }

  async validate(typeName: string, config: TfObject): Promise<Diagnostic[]> {
    const res = await this.call('ValidateResourceConfig', { type_name: typeName, config: toDynamic(fullConfig(typeName, config)) });
    return (res['diagnostics'] as Diagnostic[] | undefined) ?? [];
  }

  /** PlanResourceChange; `config` null plans a delete. */
  async plan(typeName: string, prior: TfValue, config: TfObject | null, priorPrivate: Buffer = Buffer.alloc(0)): Promise<Plan> {
    const full = config === null ? null : fullConfig(typeName, config);
    const res = await this.call('PlanResourceChange', {
      type_name: typeName,
      prior_state: toDynamic(prior),
      proposed_new_state: toDynamic(full),
      config: toDynamic(full),
      prior_private: priorPrivate,
    });
    return {
      planned: res['planned_state'] ? fromDynamic(res['planned_state'] as { msgpack: Buffer }) : null,
      requiresReplace: ((res['requires_replace'] as { steps: (PathStep & { selector?: string })[] }[] | undefined) ?? []).map((p) =>
        p.steps.map(({ selector: _oneofName, ...step }) => step as PathStep),
      ),
      diagnostics: (res['diagnostics'] as Diagnostic[] | undefined) ?? [],
      private: (res['planned_private'] as Buffer | undefined) ?? Buffer.alloc(0),
    };
  }

  async apply(typeName: string, prior: TfValue, planned: TfValue, plannedPrivate: Buffer = Buffer.alloc(0)): Promise<{ state: TfValue; diagnostics: Diagnostic[] }> {
    const res = await this.call('ApplyResourceChange', {
      type_name: typeName,
      prior_state: toDynamic(prior),
      planned_state: toDynamic(planned),
      config: toDynamic(planned),
      planned_private: plannedPrivate,
    });
    return {
      state: res['new_state'] ? fromDynamic(res['new_state'] as { msgpack: Buffer }) : null,
      diagnostics: (res['diagnostics'] as Diagnostic[] | undefined) ?? [],
    };
  }

  async read(typeName: string, state: TfValue, priv: Buffer = Buffer.alloc(0)): Promise<{ state: TfValue; diagnostics: Diagnostic[] }> {
    const res = await this.call('ReadResource', { type_name: typeName, current_state: toDynamic(state), private: priv });
    return {
      state: res['new_state'] ? fromDynamic(res['new_state'] as { msgpack: Buffer }) : null,
      diagnostics: (res['diagnostics'] as Diagnostic[] | undefined) ?? [],
    };
  }

  /** Plans and applies a create or an update, failing on any diagnostic. */
  async converge(typeName: string, prior: TfValue, config: TfObject): Promise<TfObject> {
    const plan = await this.plan(typeName, prior, config);
    if (plan.diagnostics.length > 0) throw new Error(`plan of ${typeName}: ${JSON.stringify(plan.diagnostics)}`);
    const applied = await this.apply(typeName, prior, plan.planned, plan.private);
    if (applied.diagnostics.length > 0) throw new Error(`apply of ${typeName}: ${JSON.stringify(applied.diagnostics)}`);
    return applied.state as TfObject;
  }
}

function fullConfig(typeName: string, partial: TfObject): TfObject {
  return PluginHarness.config(typeName, partial);
}
