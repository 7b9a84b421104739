/**
 * The compiled, immutable routing snapshot the data plane serves from. It is
 * built from one StateView and never changed afterwards; the data plane swaps
 * the whole snapshot by replacing one reference, so a request sees either all
 * of a commit or none of it, and in-flight requests finish on the snapshot
 * they started with.
 *
 * Backend services are NOT copied into APIs: an API names its service and the
 * request resolves `backends.get(name).environments[stage]` when it arrives,
 * so changing a service's URL repoints every API that uses it at once.
 */
import { createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import {
  apiId,
  joinPaths,
  parsePathTemplate,
  type ApiGroup,
  type BackendEnvironment,
  type BackendService,
  type ConstantParameter,
  type RequestParameter,
  type Stage,
  type SystemParameter,
  type VpcAccess,
} from '@apigw/schema';
import type { ApiDefinition, StateView } from '../model';
import { Router, RouteConflictError } from './router';

/** Stage index used for per-stage arrays: TEST, PRE, RELEASE. */
export const STAGE_INDEX: Readonly<Record<Stage, number>> = { TEST: 0, PRE: 1, RELEASE: 2 };
const STAGE_NAMES: readonly Stage[] = ['TEST', 'PRE', 'RELEASE'];

/** An app as the data plane knows it. */
export interface AppEntry {
  readonly name: string;
  readonly appKey: string;
  /** HMAC key built once from the AppSecret. */
  readonly key: KeyObject;
  /** What the app may call: API id -> grant. */
  readonly grants: ReadonlyMap<string, Grant>;
}

/** An authorization of one app for one API. */
export interface Grant {
  /** Bit set of stages (1 << STAGE_INDEX). */
  readonly stages: number;
  /** Epoch milliseconds the grant ends; Infinity when never. */
  readonly expiresAt: number;
}

/** A parameter of a MAPPING API, ready for the request path. */
export interface CompiledParameter {
  readonly def: RequestParameter;
  /** Lowercased request name for HEAD parameters. */
  readonly lookupName: string;
  readonly backendName: string;
  readonly backendIn: RequestParameter['in'];
  /** Index of the path segment value when `in` is PATH. */
  readonly pathIndex: number;
}

/** One segment of a backend path: literal text or the name of a path parameter. */
export type BackendPathPart = string | { readonly param: string };

/** A published API compiled for one stage. */
export interface ApiEntry {
  readonly id: string;
  readonly stage: Stage;
  readonly stageIndex: number;
  /** The API's name (its definition is compiled into the fields below and not kept). */
  readonly name: string;
  readonly group: ApiGroup;
  readonly isApp: boolean;
  readonly allowSha256: boolean;
  readonly allowSha1: boolean;
  /** 0 = DISABLED, 1 = HEADER, 2 = HEADER_QUERY. */
  readonly appCodeMode: 0 | 1 | 2;
  readonly antiReplay: boolean;
  readonly allowHttp: boolean;
  readonly allowHttps: boolean;
  readonly mapping: boolean;
  readonly parameters: readonly CompiledParameter[];
  /** Declared parameters that need the parsed form body. */
  readonly needsForm: boolean;
  /** Backend path split into literal text and path-parameter references. */
  readonly backendPath: readonly BackendPathPart[];
  /** True when the backend path has no parameter (the common case). */
  readonly backendPathStatic: string | null;
  /** Method sent to the backend, or null to send the request's own. */
  readonly backendMethod: string | null;
  readonly serviceName: string;
  readonly timeoutMs: number;
  readonly constantHeaders: readonly ConstantParameter[];
  readonly constantQuery: readonly ConstantParameter[];
  readonly systemHeaders: readonly SystemParameter[];
  readonly systemQuery: readonly SystemParameter[];
  /** Path parameter names of the request template, in order. */
  readonly pathParamNames: readonly string[];
}

/** A group's routers, one per stage. */
export interface GroupEntry {
  readonly group: ApiGroup;
  readonly routers: readonly [Router<ApiEntry>, Router<ApiEntry>, Router<ApiEntry>];
}

/**
 * A backend service's definition for one stage, compiled by the module of its
 * type. `T` is whatever that module needs at request time.
 */
export interface CompiledTarget<T = unknown> {
  readonly env: BackendEnvironment;
  /** What the backend module compiled, or null when it could not. */
  readonly value: T | null;
  /** Why the environment cannot be served (answered with 503), else null. */
  readonly error: string | null;
  /** True when the error is that this runtime serves no backend of the type. */
  readonly unservedType: boolean;
}

/** A backend service with its per-stage targets. */
export interface BackendEntry {
  readonly service: BackendService;
  readonly targets: readonly [CompiledTarget | null, CompiledTarget | null, CompiledTarget | null];
}

/**
 * Compiles one environment of a backend service for the request path.
 * Supplied by the backend registry; returns an error string to answer 503
 * with when the definition cannot be served.
 */
export type TargetCompiler = (service: BackendService, env: BackendEnvironment, ctx: CompileContext) => CompiledTarget;

/** What a target compiler may look up. */
export interface CompileContext {
  readonly vpcAccesses: ReadonlyMap<string, VpcAccess>;
  /** The runtime's inventory: VPC instance id -> address. */
  readonly inventory: Readonly<Record<string, string>>;
}

/** What compileSnapshot may use besides the view. */
export interface CompileOptions {
  /** The runtime's inventory: VPC instance id -> address. */
  readonly inventory?: Readonly<Record<string, string>>;
  /** Builds (or reuses) the TLS context of a certificate and key; throws for a bad pair. */
  readonly secureContext?: (certificatePem: string, privateKeyPem: string) => SecureContext;
}

/** Something that went wrong compiling a view; the rest still serves. */
export interface CompileWarning {
  readonly subject: string;
  readonly message: string;
}

/** The immutable routing table. */
export interface Snapshot {
  readonly revision: number;
  /** Lowercased bound domain -> group. */
  readonly hosts: ReadonlyMap<string, GroupEntry>;
  readonly backends: ReadonlyMap<string, BackendEntry>;
  readonly vpcAccesses: ReadonlyMap<string, VpcAccess>;
  readonly appsByKey: ReadonlyMap<string, AppEntry>;
  /** sha256(AppCode) in hex -> app; hashing first keeps the lookup from leaking the code through timing. */
  readonly appsByCodeHash: ReadonlyMap<string, AppEntry>;
  /** Lowercased domain -> TLS context. */
  readonly certificates: ReadonlyMap<string, SecureContext>;
  /** Number of published (API, stage) routes. */
  readonly routeCount: number;
  readonly warnings: readonly CompileWarning[];
}

/** sha256 hex of an AppCode, the key of `appsByCodeHash`. */
export function appCodeHash(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** An empty snapshot (revision 0): every request is `Invalid Domain`. */
export function emptySnapshot(): Snapshot {
  return {
    revision: 0,
    hosts: new Map(),
    backends: new Map(),
    vpcAccesses: new Map(),
    appsByKey: new Map(),
    appsByCodeHash: new Map(),
    certificates: new Map(),
    routeCount: 0,
    warnings: [],
  };
}

/**
 * Compiles a StateView into a snapshot. Never throws for a bad resource: a
 * resource that cannot be compiled is left out and reported in `warnings`
 * (the store validated it, so this is a defence, not a feature).
 */
export function compileSnapshot(view: StateView, compileTarget: TargetCompiler, options: CompileOptions = {}): Snapshot {
  const warnings: CompileWarning[] = [];
  const vpcAccesses = new Map(view.vpcAccesses.map((v) => [v.name, v] as const));
  const ctx: CompileContext = { vpcAccesses, inventory: options.inventory ?? {} };
  const secureContext = options.secureContext ?? ((cert: string, key: string) => createSecureContext({ cert, key }));

  const backends = new Map<string, BackendEntry>();
  for (const service of view.backendServices) {
    const targets = STAGE_NAMES.map((stage) => {
      const env = service.environments[stage];
      return env === undefined ? null : compileTarget(service, env, ctx);
    }) as [CompiledTarget | null, CompiledTarget | null, CompiledTarget | null];
    backends.set(service.name, { service, targets });
  }

  const hosts = new Map<string, GroupEntry>();
  const groups = new Map<string, GroupEntry>();
  const certificates = new Map<string, SecureContext>();
  for (const group of view.groups) {
    const entry: GroupEntry = { group, routers: [new Router(), new Router(), new Router()] };
    groups.set(group.name, entry);
    for (const domain of group.domains) hosts.set(domain.toLowerCase(), entry);
    for (const cert of group.certificates ?? []) {
      try {
        certificates.set(cert.domain.toLowerCase(), secureContext(cert.certificatePem, cert.privateKeyPem));
      } catch (err) {
        warnings.push({ subject: `group ${group.name} certificate ${cert.domain}`, message: (err as Error).message });
      }
    }
  }

  let routeCount = 0;
  for (const { stage, api } of view.published) {
    const g = groups.get(api.group);
    if (g === undefined) {
      warnings.push({ subject: `api ${apiId(api)}`, message: `group ${api.group} does not exist` });
      continue;
    }
    const entry = compileApi(api, g.group, stage);
    try {
      g.routers[entry.stageIndex].add(api.request.method, joinPaths(g.group.basePath, api.request.path), api.request.matchAllChildPaths, entry);
      routeCount++;
    } catch (err) {
      if (!(err instanceof RouteConflictError)) throw err;
      warnings.push({ subject: `api ${entry.id} in ${stage}`, message: err.message });
    }
  }

  const appsByKey = new Map<string, AppEntry>();
  const appsByCodeHash = new Map<string, AppEntry>();
  const grantsByApp = new Map<string, Map<string, Grant>>();
  for (const a of view.authorizations) {
    let stages = 0;
    for (const s of a.stages) stages |= 1 << STAGE_INDEX[s];
    const expiresAt = a.expiresAt === undefined ? Infinity : Date.parse(a.expiresAt);
    let grants = grantsByApp.get(a.app);
    if (grants === undefined) grantsByApp.set(a.app, (grants = new Map()));
    grants.set(a.api, { stages, expiresAt: Number.isNaN(expiresAt) ? -Infinity : expiresAt });
  }
  for (const app of view.apps) {
    const entry: AppEntry = {
      name: app.name,
      appKey: app.appKey,
      key: createSecretKey(Buffer.from(app.appSecret, 'utf8')),
      grants: grantsByApp.get(app.name) ?? new Map(),
    };
    appsByKey.set(app.appKey, entry);
    if (app.appCode) appsByCodeHash.set(appCodeHash(app.appCode), entry);
  }

  return { revision: view.revision, hosts, backends, vpcAccesses, appsByKey, appsByCodeHash, certificates, routeCount, warnings };
}

/** One shared empty list, so that 10,000s of APIs without parameters cost nothing for them. */
const NONE: readonly never[] = Object.freeze([]);
function orNone<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NONE : list;
}

function compileApi(def: ApiDefinition, group: ApiGroup, stage: Stage): ApiEntry {
  const pathParamNames = parsePathTemplate(def.request.path).flatMap((s) => (s.kind === 'param' ? [s.name] : []));
  const parameters: CompiledParameter[] = def.request.parameters.map((p) => ({
    def: p,
    lookupName: p.in === 'HEAD' ? p.name.toLowerCase() : p.name,
    backendName: p.backendName ?? p.name,
    backendIn: p.backendIn ?? p.in,
    pathIndex: p.in === 'PATH' ? pathParamNames.indexOf(p.name) : -1,
  }));
  const backendPath: BackendPathPart[] = [];
  let literal = '';
  let hasParam = false;
  for (const seg of parsePathTemplate(def.backend.path)) {
    if (seg.kind === 'param') {
      backendPath.push(literal + '/');
      literal = '';
      backendPath.push({ param: seg.name });
      hasParam = true;
    } else {
      literal += '/' + seg.value;
    }
  }
  if (literal !== '' || backendPath.length === 0) backendPath.push(literal === '' ? '/' : literal);
  const trailingSlash = def.backend.path.length > 1 && def.backend.path.endsWith('/');
  if (trailingSlash) backendPath.push('/');
  const sig = def.auth.signatureMethod;
  const consts = def.backend.constantParameters ?? [];
  const sys = def.backend.systemParameters ?? [];
  return {
    id: apiId(def),
    stage,
    stageIndex: STAGE_INDEX[stage],
    name: def.name,
    group,
    isApp: def.auth.type === 'APP',
    allowSha256: sig.includes('HmacSHA256'),
    allowSha1: sig.includes('HmacSHA1'),
    appCodeMode: def.auth.appCode === 'HEADER' ? 1 : def.auth.appCode === 'HEADER_QUERY' ? 2 : 0,
    antiReplay: def.auth.antiReplay,
    allowHttp: def.request.protocols.includes('HTTP'),
    allowHttps: def.request.protocols.includes('HTTPS'),
    mapping: def.request.mode === 'MAPPING',
    parameters: orNone(parameters),
    needsForm: def.request.mode === 'MAPPING' && parameters.some((p) => p.def.in === 'BODY' || p.backendIn === 'BODY'),
    backendPath,
    backendPathStatic: hasParam ? null : (backendPath as string[]).join(''),
    backendMethod: def.backend.method === 'ANY' ? null : def.backend.method,
    serviceName: def.backend.service,
    timeoutMs: def.backend.timeoutMs,
    constantHeaders: orNone(consts.filter((c) => c.in === 'HEAD')),
    constantQuery: orNone(consts.filter((c) => c.in === 'QUERY')),
    systemHeaders: orNone(sys.filter((s) => s.in === 'HEAD')),
    systemQuery: orNone(sys.filter((s) => s.in === 'QUERY')),
    pathParamNames: orNone(pathParamNames),
  };
}

/** Stage names by index. */
export function stageName(index: number): Stage {
  return STAGE_NAMES[index]!;
}
