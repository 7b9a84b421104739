/**
 * The Terraform provider: its schema, configuration, validation, planning
 * (with unknown values) and the create/read/update/delete/import of apigw
 * resources, each translated to the runtime's operations.
 */
import { STACK_NAME_PATTERN, kindInfo, type Kind, type KindSpecs, type Problem } from '@apigw/schema';
import type { AppCredentials, GatewayClient, LiveResource, Operation } from '@apigw/runtime';
import { ResourceEngine } from '../engine/resource-engine';
import { checkPartial, identityKnown } from '../engine/unknowns';
import { ResourceGoneError } from '../errors';
import { handlerFor } from '../kinds/registry';
import { jsonEqual } from '../kinds/field-diff';
import { TerraformPluginError } from './errors';
import {
  DEFAULT_STACK,
  PROVIDER_CONFIG_BLOCK,
  resourceType,
  resourceTypes,
  type TfBlock,
  type TfResourceType,
} from './provider-schema';
import {
  UNKNOWN,
  attributeEqual,
  conform,
  containsUnknown,
  formatPath,
  fromDynamic,
  fromTf,
  isObject,
  keepSecrets,
  planBlock,
  pointerToPath,
  toDynamic,
  toTf,
  type PathStep,
  type TfObject,
  type TfValue,
} from './values';

/**
 * The Terraform provider's behaviour, one method per tfplugin6 RPC, on
 * messages shaped as @grpc/proto-loader decodes them (snake_case fields,
 * bytes as Buffers, enums as names). The gRPC wiring lives in
 * plugin-server.ts; this class knows nothing of transport, so a test can
 * call it directly as well as over the wire.
 *
 * Resource CRUD goes through the resource engine (`engine/`) the Pulumi
 * provider uses too, over the per-kind handlers the reconciler uses: the
 * same normalization, diff and runtime operations, applied as one atomic
 * batch per Terraform resource, and the same claim rule (an import records
 * the owner it saw; apply claims only from that owner).
 */

/** Where the gateway is and which stack Terraform acts for. */
export interface ConnectionSettings {
  readonly endpoint: string;
  readonly token: string;
  readonly stack: string;
}

/** How the provider reaches a gateway once Terraform has configured it. */
export type ConnectGateway = (settings: ConnectionSettings) => GatewayClient;

/** The gateway's admin API when neither the configuration nor APIGW_ENDPOINT names one. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9080';

/** A diagnostic as the protocol carries it. */
export interface DiagnosticMessage {
  severity: 'ERROR' | 'WARNING';
  summary: string;
  detail: string;
  attribute?: { steps: PathStep[] };
}

interface DynamicValueMessage {
  msgpack?: Buffer | Uint8Array | null;
  json?: Buffer | Uint8Array | null;
}

/** Provider-private data kept with a resource's state. */
interface PrivateData {
  /** The resource was imported: the first apply claims it from the owner seen at import. */
  adopt?: boolean;
  /** The stack that owned it at import (null: none); apply refuses when it changed. */
  owner?: string | null;
}


function error(summary: string, detail = '', steps?: PathStep[]): DiagnosticMessage {
  return { severity: 'ERROR', summary, detail, ...(steps && steps.length > 0 ? { attribute: { steps } } : {}) };
}

function problemDiagnostic(block: TfBlock, problem: Problem): DiagnosticMessage {
  const steps = pointerToPath(block, problem.pointer);
  const where = formatPath(steps);
  return error(where ? `Invalid ${where}` : 'Invalid resource', `${problem.message} [${problem.code}]`, steps);
}

function encodePrivate(data: PrivateData): Buffer {
  return Object.keys(data).length === 0 ? Buffer.alloc(0) : Buffer.from(JSON.stringify(data));
}

function decodePrivate(bytes: Uint8Array | null | undefined): PrivateData {
  if (!bytes || bytes.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as PrivateData) : {};
  } catch {
    return {};
  }
}

/** Protobuf form of a block (GetProviderSchema). */
function blockMessage(block: TfBlock): Record<string, unknown> {
  return {
    version: 0,
    description: block.description,
    description_kind: 'PLAIN',
    attributes: block.attributes.map((a) => ({
      name: a.name,
      type: Buffer.from(JSON.stringify(a.type)),
      description: a.description,
      description_kind: 'PLAIN',
      required: a.required,
      optional: a.optional,
      computed: a.computed,
      sensitive: a.sensitive,
    })),
    block_types: block.blockTypes.map((b) => ({
      type_name: b.name,
      block: blockMessage(b.block),
      nesting: b.nesting === 'single' ? 'SINGLE' : 'LIST',
      min_items: b.nesting === 'single' && b.required ? 1 : 0,
      max_items: b.nesting === 'single' ? (b.required ? 1 : 0) : (b.maxItems ?? 0),
    })),
  };
}

/** The Terraform provider: schema, validation, planning and CRUD of apigw resources. */
export class ApigwTerraformProvider {
  private client: GatewayClient | undefined;
  private settings: ConnectionSettings | undefined;

  constructor(
    private readonly connect: ConnectGateway,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The stack resources are created for (after ConfigureProvider). */
  get stack(): string | undefined {
    return this.settings?.stack;
  }

  getProviderSchema(): Record<string, unknown> {
    const resourceSchemas: Record<string, unknown> = {};
    for (const r of resourceTypes()) resourceSchemas[r.typeName] = { version: r.version, block: blockMessage(r.block) };
    return {
      provider: { version: 0, block: blockMessage(PROVIDER_CONFIG_BLOCK) },
      resource_schemas: resourceSchemas,
      data_source_schemas: {},
      diagnostics: [],
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false },
    };
  }

  validateProviderConfig(req: { config?: DynamicValueMessage }): { diagnostics: DiagnosticMessage[] } {
    const config = fromDynamic(req.config);
    return { diagnostics: isObject(config) ? this.providerConfigProblems(config) : [] };
  }

  private providerConfigProblems(config: TfObject): DiagnosticMessage[] {
    const out: DiagnosticMessage[] = [];
    const endpoint = config['endpoint'];
    if (typeof endpoint === 'string' && !/^https?:\/\/[^\s/]+/.test(endpoint))
      out.push(error('Invalid endpoint', `endpoint ${JSON.stringify(endpoint)} is not an http(s) URL of the gateway admin API`, [{ attribute_name: 'endpoint' }]));
    const stack = config['stack'];
    if (typeof stack === 'string' && !STACK_NAME_PATTERN.test(stack))
      out.push(
        error('Invalid stack', `stack ${JSON.stringify(stack)} must start with a letter and hold letters, digits, _ or - (at most 64 characters)`, [
          { attribute_name: 'stack' },
        ]),
      );
    return out;
  }

  configureProvider(req: { config?: DynamicValueMessage }): { diagnostics: DiagnosticMessage[] } {
    const config = conform(PROVIDER_CONFIG_BLOCK, fromDynamic(req.config));
    const problems = this.providerConfigProblems(config);
    if (problems.length > 0) return { diagnostics: problems };
    for (const name of ['endpoint', 'token', 'stack'])
      if (config[name] === UNKNOWN) {
        const e = new TerraformPluginError('APIGW_TF_CONFIG_UNKNOWN', `${name} is only known after apply; the provider needs it to plan`);
        return { diagnostics: [error(`Unknown ${name}`, `${e.message} [${e.code}]`, [{ attribute_name: name }])] };
      }
    const str = (v: TfValue) => (typeof v === 'string' && v !== '' ? v : undefined);
    const stack = str(config['stack']) ?? str(this.env['APIGW_STACK'] ?? null) ?? DEFAULT_STACK;
    if (!STACK_NAME_PATTERN.test(stack)) return { diagnostics: [error('Invalid stack', `APIGW_STACK ${JSON.stringify(stack)} is not a stack name`)] };
    const token = str(config['token']) ?? str(this.env['APIGW_TOKEN'] ?? null);
    if (token === undefined)
      return {
        diagnostics: [
          error('Missing admin token', 'Set token in the provider block or the APIGW_TOKEN environment variable (apigw serve writes it to <data-dir>/admin.token).', [
            { attribute_name: 'token' },
          ]),
        ],
      };
    this.settings = {
      endpoint: str(config['endpoint']) ?? str(this.env['APIGW_ENDPOINT'] ?? null) ?? DEFAULT_ENDPOINT,
      stack,
      token,
    };
    try {
      this.client = this.connect(this.settings);
    } catch (err) {
      return { diagnostics: [error('Cannot reach the gateway', err instanceof Error ? err.message : String(err))] };
    }
    return { diagnostics: [] };
  }

  validateResourceConfig(req: { type_name?: string; config?: DynamicValueMessage }): { diagnostics: DiagnosticMessage[] } {
    const rt = this.resourceTypeOrError(req.type_name);
    if ('diagnostics' in rt) return rt;
    const config = fromDynamic(req.config);
    if (!isObject(config)) return { diagnostics: [] };
    return { diagnostics: this.configProblems(rt, config).diagnostics };
  }

  /** The spec a configuration (or plan) describes, and its problems; unknown values are skipped. */
  private configProblems(rt: TfResourceType, value: TfObject): { spec: Record<string, unknown>; unknowns: string[]; diagnostics: DiagnosticMessage[] } {
    const unknowns: string[] = [];
    const spec = fromTf(rt.block, value, '', unknowns);
    const diagnostics = checkPartial(rt.kind, spec, unknowns).problems.map((p) => problemDiagnostic(rt.block, p));
    return { spec, unknowns, diagnostics };
  }

  upgradeResourceState(req: { type_name?: string; version?: number; raw_state?: { json?: Buffer | Uint8Array | null } }): Record<string, unknown> {
    const rt = this.resourceTypeOrError(req.type_name);
    if ('diagnostics' in rt) return rt;
    const json = req.raw_state?.json;
    if (!json || json.length === 0) return { upgraded_state: toDynamic(null), diagnostics: [] };
    let raw: TfValue;
    try {
      raw = fromDynamic({ json });
    } catch (err) {
      const e = new TerraformPluginError('APIGW_TF_STATE_INVALID', `the stored state of ${rt.typeName} is not JSON: ${(err as Error).message}`, { cause: err });
      return { diagnostics: [error('Unreadable state', `${e.message} [${e.code}]`)] };
    }
    return { upgraded_state: toDynamic(conform(rt.block, raw)), diagnostics: [] };
  }

  planResourceChange(req: {
    type_name?: string;
    prior_state?: DynamicValueMessage;
    proposed_new_state?: DynamicValueMessage;
    config?: DynamicValueMessage;
    prior_private?: Buffer;
  }): Record<string, unknown> {
    const rt = this.resourceTypeOrError(req.type_name);
    if ('diagnostics' in rt) return rt;
    const prior = fromDynamic(req.prior_state);
    const proposed = fromDynamic(req.proposed_new_state);
    const config = fromDynamic(req.config);
    const privateBytes = req.prior_private ?? Buffer.alloc(0);
    if (proposed === null || !isObject(config)) return { planned_state: toDynamic(null), requires_replace: [], planned_private: privateBytes, diagnostics: [] };

    const planned = planBlock(rt.block, config);
    const { spec, unknowns, diagnostics } = this.configProblems(rt, planned);
    if (diagnostics.length > 0) return { diagnostics };

    const priorObj = isObject(prior) ? prior : undefined;
    const requiresReplace: { steps: PathStep[] }[] = [];
    if (priorObj)
      for (const a of rt.block.attributes)
        if (a.replace && !attributeEqual(a, priorObj[a.name] ?? null, planned[a.name] ?? null)) requiresReplace.push({ steps: [{ attribute_name: a.name }] });
    const fresh = !priorObj || requiresReplace.length > 0;

    planned['id'] = identityKnown(rt.kind, unknowns) ? this.identity(rt.kind, spec) : UNKNOWN;
    for (const a of rt.block.attributes)
      if (a.field === undefined && a.name !== 'id') planned[a.name] = fresh ? UNKNOWN : (priorObj?.[a.name] ?? UNKNOWN);
    return { planned_state: toDynamic(planned), requires_replace: requiresReplace, planned_private: privateBytes, diagnostics: [] };
  }

  async applyResourceChange(req: {
    type_name?: string;
    prior_state?: DynamicValueMessage;
    planned_state?: DynamicValueMessage;
    planned_private?: Buffer;
  }): Promise<Record<string, unknown>> {
    const rt = this.resourceTypeOrError(req.type_name);
    if ('diagnostics' in rt) return rt;
    const prior = fromDynamic(req.prior_state);
    const planned = fromDynamic(req.planned_state);
    const priv = decodePrivate(req.planned_private);
    try {
      const engine = this.engine(rt.kind);
      const stack = (this.settings as ConnectionSettings).stack;
      const priorObj = isObject(prior) ? prior : undefined;

      if (!isObject(planned)) {
        if (priorObj) await engine.delete(this.stateId(rt, priorObj), stack, recordedOwner(priv, stack));
        return { new_state: toDynamic(null), private: Buffer.alloc(0), diagnostics: [] };
      }

      if (containsUnknown(stripComputed(rt.block, planned)))
        return { diagnostics: [error('Unknown values at apply', `the planned ${rt.typeName} still holds values that are not known`)] };
      const spec = engine.handler.normalize(fromTf(rt.block, planned) as unknown as KindSpecs[Kind]);
      if (!priorObj) {
        await engine.create(spec, stack);
      } else {
        const id = this.stateId(rt, priorObj);
        try {
          await engine.update(id, spec, stack, recordedOwner(priv, stack));
        } catch (err) {
          if (!(err instanceof ResourceGoneError)) throw err;
          return {
            diagnostics: [error(`${kindInfo(rt.kind).label} ${id} no longer exists`, 'It was deleted outside Terraform after the plan was made; run terraform plan again to create it.')],
          };
        }
      }
      const state: TfObject = { ...planned, id: engine.handler.id(spec) };
      await this.fillCredentials(engine, state);
      return { new_state: toDynamic(state), private: Buffer.alloc(0), diagnostics: [] };
    } catch (err) {
      return { diagnostics: this.errorDiagnostics(rt, err) };
    }
  }

  async readResource(req: { type_name?: string; current_state?: DynamicValueMessage; private?: Buffer }): Promise<Record<string, unknown>> {
    const rt = this.resourceTypeOrError(req.type_name);
    if ('diagnostics' in rt) return rt;
    const current = fromDynamic(req.current_state);
    const privateBytes = req.private ?? Buffer.alloc(0);
    if (!isObject(current)) return { new_state: toDynamic(null), private: privateBytes, diagnostics: [] };
    try {
      const found = await this.engine(rt.kind).read(this.stateId(rt, current));
      if (!found) return { new_state: toDynamic(null), private: privateBytes, diagnostics: [] };
      const state = this.stateFromLive(rt, found.live, current);
      fillCredentials(state, found.credentials);
      return { new_state: toDynamic(state), private: privateBytes, diagnostics: [] };
    } catch (err) {
      return { diagnostics: this.errorDiagnostics(rt, err) };
    }
  }

  async importResourceState(req: { type_name?: string; id?: string }): Promise<Record<string, unknown>> {
    const rt = this.resourceTypeOrError(req.type_name);
    if ('diagnostics' in rt) return rt;
    const id = req.id ?? '';
    try {
      const found = await this.engine(rt.kind).read(id);
      if (!found)
        return {
          diagnostics: [error('Cannot import non-existent remote object', `the gateway has no ${kindInfo(rt.kind).label} with id ${JSON.stringify(id)}`)],
        };
      const { live } = found;
      const state = this.stateFromLive(rt, live, undefined);
      fillCredentials(state, found.credentials);
      const adopt = live.stack !== this.settings?.stack;
      return {
        imported_resources: [{ type_name: rt.typeName, state: toDynamic(state), private: encodePrivate(adopt ? { adopt: true, owner: live.stack } : {}) }],
        diagnostics: [],
      };
    } catch (err) {
      return { diagnostics: this.errorDiagnostics(rt, err) };
    }
  }

  stopProvider(): { Error: string } {
    return { Error: '' };
  }

  /**
   * The state of a live resource. When it means the same as `prior` (the
   * handlers' diff is empty) the prior state is kept as it is, so the way a
   * configuration writes a value (a default left out, an order) never shows
   * as drift; otherwise the live values, with optional blocks that only
   * hold defaults left out and secrets the gateway does not return kept.
   */
  private stateFromLive(rt: TfResourceType, live: LiveResource<Kind>, prior: TfObject | undefined): TfObject {
    const handler = handlerFor(rt.kind);
    if (prior) {
      let same = false;
      try {
        same = handler.diff(fromTf(rt.block, prior) as unknown as KindSpecs[Kind], live).length === 0;
      } catch {
        same = false;
      }
      if (same) return { ...prior, id: live.id };
    }
    const liveSpec = handler.toSpec(live) as unknown as Record<string, unknown>;
    const state = keepSecrets(rt.block, toTf(rt.block, liveSpec), prior);
    for (const b of rt.block.blockTypes) {
      if (b.nesting !== 'single' || b.required || liveSpec[b.field] === undefined) continue;
      const without = { ...liveSpec };
      delete without[b.field];
      let dflt: unknown;
      try {
        dflt = (handler.normalize(without as unknown as KindSpecs[Kind]) as unknown as Record<string, unknown>)[b.field];
      } catch {
        continue;
      }
      if (jsonEqual(dflt, liveSpec[b.field])) state[b.name] = null;
    }
    state['id'] = live.id;
    return state;
  }

  /** Fills an app's AppKey, AppSecret and AppCode from the gateway. */
  private async fillCredentials(engine: ResourceEngine<Kind>, state: TfObject): Promise<void> {
    fillCredentials(state, await engine.credentials(String(state['id'])));
  }

  /** The engine for a kind on the configured gateway; its batches carry their operations when refused, so diagnostics can say which attribute failed. */
  private engine(kind: Kind): ResourceEngine<Kind> {
    const client = this.requireClient();
    return new ResourceEngine(kind, client, async (stack, operations) => {
      try {
        await client.batch({ stack, operations });
      } catch (err) {
        throw new BatchFailure(err, operations);
      }
    });
  }

  private identity(kind: Kind, spec: Record<string, unknown>): TfValue {
    try {
      return handlerFor(kind).id(spec as unknown as KindSpecs[Kind]);
    } catch {
      return UNKNOWN;
    }
  }

  private stateId(rt: TfResourceType, state: TfObject): string {
    const id = state['id'];
    if (typeof id === 'string' && id !== '') return id;
    const fromSpec = this.identity(rt.kind, fromTf(rt.block, state));
    if (typeof fromSpec !== 'string') throw new TerraformPluginError('APIGW_TF_STATE_INVALID', `the state of ${rt.typeName} has no id`);
    return fromSpec;
  }

  private requireClient(): GatewayClient {
    if (!this.client) throw new TerraformPluginError('APIGW_TF_NOT_CONFIGURED', 'the provider was used before ConfigureProvider');
    return this.client;
  }

  private resourceTypeOrError(typeName: string | undefined): TfResourceType | { diagnostics: DiagnosticMessage[] } {
    const rt = resourceType(typeName ?? '');
    if (rt) return rt;
    const e = new TerraformPluginError('APIGW_TF_UNKNOWN_RESOURCE_TYPE', `this provider has no resource type ${JSON.stringify(typeName)}`);
    return { diagnostics: [error('Unknown resource type', `${e.message}; it has ${resourceTypes().map((r) => r.typeName).join(', ')} [${e.code}]`)] };
  }

  /**
   * Diagnostics for a failure. Problems of a spec name their attribute; a
   * refused publish or unpublish names `stages`; a resource that exists
   * already or belongs to another stack says how to bring it under
   * Terraform.
   */
  private errorDiagnostics(rt: TfResourceType, failure: unknown): DiagnosticMessage[] {
    const operations = failure instanceof BatchFailure ? failure.operations : [];
    const err = failure instanceof BatchFailure ? failure.cause : failure;
    const e = err as { code?: unknown; message?: unknown; problems?: unknown; errors?: unknown };
    const message = typeof e?.message === 'string' ? e.message : String(err);
    const label = kindInfo(rt.kind).label;
    const out: DiagnosticMessage[] = [];
    const fromProblem = (p: Problem) => problemDiagnostic(rt.block, { ...p, pointer: p.pointer.replace(/^\/operations\/\d+\/spec/, '') });
    const operationErrors = Array.isArray(e?.errors) ? (e.errors as { index: number; message: string; code: string; problems?: Problem[] }[]) : [];
    for (const opError of operationErrors) {
      const problems = opError.problems ?? [];
      if (problems.length > 0) {
        out.push(...problems.map(fromProblem));
        continue;
      }
      const op = operations[opError.index];
      const steps: PathStep[] = op && (op.op === 'publish' || op.op === 'unpublish') ? [{ attribute_name: 'stages' }] : [];
      out.push(error(opError.message, `${label}: ${opError.message} [${opError.code}]${HINTS[opError.code] ?? ''}`, steps));
    }
    if (out.length === 0 && Array.isArray(e?.problems)) out.push(...(e.problems as Problem[]).map(fromProblem));
    if (out.length === 0) {
      const code = typeof e?.code === 'string' ? e.code : '';
      out.push(error(message.split('\n')[0] ?? message, `${message}${code ? ` [${code}]` : ''}${HINTS[code] ?? ''}`));
    }
    return out;
  }
}

/** What to do about refusals a Terraform user can act on. */
const HINTS: Readonly<Record<string, string>> = {
  APIGW_ALREADY_EXISTS: '\n\nThe resource exists on the gateway already. To manage it with Terraform, import it: terraform import <resource address> <id>.',
  APIGW_OWNER_CHANGED:
    '\n\nAnother stack took the resource since Terraform recorded its owner. Run terraform refresh and import it again to claim it from its new owner, or set the provider\'s stack to that owner.',
  APIGW_NOT_OWNED:
    '\n\nThe resource belongs to another apigw stack (or to none). Import it into this configuration (terraform import) to claim it, or set the provider\'s stack to the owner.',
};

/**
 * The owner the state records for the claim rule: the one seen at import,
 * or else the provider's own stack (Terraform created the resource).
 */
function recordedOwner(priv: PrivateData, stack: string): string | null {
  return priv.adopt ? (priv.owner === undefined ? stack : priv.owner) : stack;
}

/** Sets an app's AppKey, AppSecret and AppCode on its state. */
function fillCredentials(state: TfObject, creds: AppCredentials | undefined): void {
  if (!creds) return;
  state['app_key'] = creds.appKey;
  state['app_secret'] = creds.appSecret;
  state['app_code'] = creds.appCode;
}

/** A refused batch and the operations it held. */
class BatchFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly operations: readonly Operation[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** The planned value without the attributes the provider computes. */
function stripComputed(block: TfBlock, value: TfObject): TfObject {
  const out: TfObject = { ...value };
  for (const a of block.attributes) if (a.field === undefined) delete out[a.name];
  return out;
}
