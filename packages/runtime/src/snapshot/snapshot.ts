/**
 * The compiled, immutable routing snapshot the data plane serves from. It is
 * built from one StateView and never changed afterwards; the data plane swaps
 * the whole snapshot by replacing one reference, so a request sees either all
 * of a commit or none of it, and in-flight requests finish on the snapshot
 * they started with.
 *
 * Backend services are NOT copied into APIs: an API names its service and the
 * request resolves `backends.get(name).targets[stage]` when it arrives, so
 * changing a service's URL repoints every API that uses it at once.
 */
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import {
  STAGES,
  apiId,
  joinPaths,
  parsePathTemplate,
  stageIndex,
  type ApiGroup,
  type Authorization,
  type BackendEnvironment,
  type BackendService,
  type ConstantParameter,
  type RequestParameter,
  type Stage,
  type SystemParameter,
  type VpcAccess,
} from '@apigw/schema';
import type { Exchange } from '../dataplane/exchange';
import { NOT_FORWARDED } from '../dataplane/http-facts';
import { SigningKey } from '../dataplane/signature';
import type { RequestPolicy } from '../dataplane/policy';
import type { ApiDefinition, StateView } from '../model';
import { NO_PLUGINS, PluginTableCompiler, type PluginTable } from '../dataplane/plugins/plugin-table';
import { Router, RouteConflictError } from './router';


/** An app as the data plane knows it. */
export interface AppEntry {
  readonly name: string;
  readonly appKey: string;
  /** HMAC key built once from the AppSecret. */
  readonly key: SigningKey;
  /** HMAC key of the AppSecret replaced by a rotation, accepted until `previousUntil` (epoch ms). */
  readonly previousKey?: SigningKey;
  readonly previousUntil?: number;
  /** Set on the entry an AppCode replaced by a rotation finds: accepted until then (epoch ms). */
  readonly validUntil?: number;
  /** What the app may call: API id -> grant. */
  readonly grants: ReadonlyMap<string, Grant>;
}

/** An authorization of one app for one API. */
export interface Grant {
  /** Bit set of stages (1 << stageIndex(stage)). */
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
  /** False for a header the gateway never forwards (hop-by-hop, Host, Expect): the value is dropped. */
  readonly forwardable: boolean;
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
  /** OSS backends: the object action named by the API, or null to derive it from the method. */
  readonly ossAction: NonNullable<ApiDefinition['backend']['ossAction']> | null;
  readonly serviceName: string;
  readonly timeoutMs: number;
  readonly constantHeaders: readonly ConstantParameter[];
  readonly constantQuery: readonly ConstantParameter[];
  readonly systemHeaders: readonly SystemParameter[];
  readonly systemQuery: readonly SystemParameter[];
  /** Path parameter names of the request template, in order. */
  readonly pathParamNames: readonly string[];
  /**
   * The API's request policies, run by the pipeline before and after
   * authentication (see `dataplane/policy.ts`); empty when it has none.
   */
  readonly policies: readonly RequestPolicy[];
  /** True when the API is declared for OPTIONS itself (then it, not a CORS plugin, answers preflights). */
  readonly declaresOptions: boolean;
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
  /**
   * The backend module's `invoke`, carried by the target so the request
   * path calls it directly; absent, the target is not served (503).
   */
  readonly invoke?: (ex: Exchange, target: T) => void;
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
  /** Which plugins act on each API in each stage. */
  readonly plugins: PluginTable;
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
    plugins: NO_PLUGINS,
    warnings: [],
  };
}

/**
 * Compiles a StateView into a snapshot. Never throws for a bad resource: a
 * resource that cannot be compiled is left out and reported in `warnings`
 * (the store validated it, so this is a defence, not a feature).
 */
export function compileSnapshot(view: StateView, compileTarget: TargetCompiler, options: CompileOptions = {}): Snapshot {
  return new SnapshotCompiler(compileTarget, options.secureContext).compile(view, options.inventory);
}

type Published = StateView['published'][number];
type ViewApp = StateView['apps'][number];

/** A published entry compiled against one group object, with what its router needs. */
interface CompiledRoute {
  readonly group: ApiGroup;
  readonly entry: ApiEntry;
  readonly method: string;
  readonly template: string;
  readonly matchAllChildPaths: boolean;
}

/** One stage of one group: the routes it was built from, in view order, and the router. */
interface StageRoutes {
  readonly group: ApiGroup;
  readonly routes: readonly CompiledRoute[];
  readonly router: Router<ApiEntry>;
  readonly added: number;
  /** Routes left out because an earlier one answers the same method and path shape. */
  readonly clashes: ReadonlyMap<CompiledRoute, CompileWarning>;
}

/** Published routes by group name and stage index, in view order. */
interface RouteLists {
  readonly byGroup: ReadonlyMap<string, readonly (readonly CompiledRoute[])[]>;
  readonly missingGroup: boolean;
}

/** What a compile built for one group. */
interface GroupBuilt {
  readonly stages: readonly [StageRoutes, StageRoutes, StageRoutes];
  readonly entry: GroupEntry;
}

/** What a group contributes besides its routes. */
interface GroupExtras {
  readonly certificates: readonly (readonly [string, SecureContext])[];
  readonly warnings: readonly CompileWarning[];
}

/** The app-side tables of a snapshot. */
interface AppTables {
  readonly appsByKey: ReadonlyMap<string, AppEntry>;
  readonly appsByCodeHash: ReadonlyMap<string, AppEntry>;
}

/**
 * Compiles successive StateViews, each in time proportional to what changed
 * since the previous one. A view reuses the very objects of the previous view
 * for whatever a commit left alone (entries, groups, services, apps,
 * authorizations, and whole arrays of a kind that did not change), so the
 * compiler remembers, by object identity, what it made of each: compiled API
 * entries per published entry (valid while the group object is the same),
 * routers per group and stage (rebuilt only when one of their routes or the
 * group changed), backend targets per service (valid while VPC accesses and
 * inventory are the same), keys per app and grants per authorization.
 *
 * Every call returns a new Snapshot; what it shares with the previous one is
 * never modified after it was built, so swapping the reference stays atomic
 * for requests, and a snapshot equals the one `compileSnapshot` makes from the
 * same view (same routes, targets, apps and grants).
 */
export class SnapshotCompiler {
  private readonly secureContext: (certificatePem: string, privateKeyPem: string) => SecureContext;
  private routesByPublished = new WeakMap<Published, CompiledRoute>();
  private extrasByGroup = new WeakMap<ApiGroup, GroupExtras>();
  private targetsByService = new WeakMap<BackendService, BackendEntry>();
  private keysByApp = new WeakMap<
    ViewApp,
    { readonly key: SigningKey; readonly codeHash: string | null; readonly previousKey?: SigningKey; readonly previousCodeHash?: string; readonly previousUntil?: number }
  >();
  private grantsByAuthorization = new WeakMap<Authorization, Grant>();
  private readonly pluginTables = new PluginTableCompiler();
  /** What the last compile built per group name: routes per stage and the group entry serving them. */
  private groupsBuilt = new Map<string, GroupBuilt>();
  /** Whether the last compile met published entries of a group that does not exist. */
  private missingGroup = false;
  private last: {
    readonly view: StateView;
    readonly inventoryKey: string;
    readonly snapshot: Snapshot;
    readonly groupWarnings: readonly CompileWarning[];
  } | null = null;

  /**
   * @param compileTarget compiles one environment of a backend service.
   * @param secureContext builds (or reuses) the TLS context of a certificate and key; throws for a bad pair.
   */
  constructor(
    private readonly compileTarget: TargetCompiler,
    secureContext?: (certificatePem: string, privateKeyPem: string) => SecureContext,
  ) {
    this.secureContext = secureContext ?? ((cert, key) => createSecureContext({ cert, key }));
  }

  /** Compiles `view`, reusing what was compiled from the objects it shares with the previous view. */
  compile(view: StateView, inventory: Readonly<Record<string, string>> = {}): Snapshot {
    const last = this.last;
    const inventoryKey = JSON.stringify(inventory);

    let backends: ReadonlyMap<string, BackendEntry>;
    let vpcAccesses: ReadonlyMap<string, VpcAccess>;
    if (last !== null && last.view.vpcAccesses === view.vpcAccesses && last.inventoryKey === inventoryKey) {
      vpcAccesses = last.snapshot.vpcAccesses;
      backends = last.view.backendServices === view.backendServices ? last.snapshot.backends : this.compileBackends(view, vpcAccesses, inventory);
    } else {
      // What a target compiles to depends on VPC accesses and the inventory: start over.
      this.targetsByService = new WeakMap();
      vpcAccesses = new Map(view.vpcAccesses.map((v) => [v.name, v] as const));
      backends = this.compileBackends(view, vpcAccesses, inventory);
    }

    let hosts: ReadonlyMap<string, GroupEntry>;
    let certificates: ReadonlyMap<string, SecureContext>;
    let routeCount: number;
    let groupWarnings: readonly CompileWarning[];
    if (last !== null && last.view.groups === view.groups && last.view.published === view.published) {
      ({ hosts, certificates, routeCount } = last.snapshot);
      groupWarnings = last.groupWarnings;
    } else {
      ({ hosts, certificates, routeCount, warnings: groupWarnings } = this.compileRoutes(view));
    }

    let apps: AppTables;
    if (last !== null && last.view.apps === view.apps && last.view.authorizations === view.authorizations) {
      apps = last.snapshot;
    } else {
      apps = this.compileApps(view);
    }

    const plugins =
      last !== null && last.view.plugins === view.plugins && last.view.pluginAttachments === view.pluginAttachments
        ? last.snapshot.plugins
        : this.pluginTables.compile(view.plugins, view.pluginAttachments);

    const snapshot: Snapshot = {
      revision: view.revision,
      plugins,
      hosts,
      backends,
      vpcAccesses,
      appsByKey: apps.appsByKey,
      appsByCodeHash: apps.appsByCodeHash,
      certificates,
      routeCount,
      warnings: plugins.warnings.length === 0 ? groupWarnings : [...groupWarnings, ...plugins.warnings],
    };
    this.last = { view, inventoryKey, snapshot, groupWarnings };
    return snapshot;
  }

  private compileBackends(view: StateView, vpcAccesses: ReadonlyMap<string, VpcAccess>, inventory: Readonly<Record<string, string>>): Map<string, BackendEntry> {
    const ctx: CompileContext = { vpcAccesses, inventory };
    const backends = new Map<string, BackendEntry>();
    for (const service of view.backendServices) {
      let entry = this.targetsByService.get(service);
      if (entry === undefined) {
        const targets = STAGES.map((stage) => {
          const env = service.environments[stage];
          return env === undefined ? null : this.compileTarget(service, env, ctx);
        }) as [CompiledTarget | null, CompiledTarget | null, CompiledTarget | null];
        entry = { service, targets };
        this.targetsByService.set(service, entry);
      }
      backends.set(service.name, entry);
    }
    return backends;
  }

  private compileRoutes(view: StateView): {
    hosts: Map<string, GroupEntry>;
    certificates: Map<string, SecureContext>;
    routeCount: number;
    warnings: CompileWarning[];
  } {
    const groups = new Map<string, ApiGroup>();
    for (const group of view.groups) groups.set(group.name, group);
    const patched = this.patchRouteLists(view, groups);
    const { byGroup, missingGroup } = patched ?? this.scanRouteLists(view, groups);

    const hosts = new Map<string, GroupEntry>();
    const certificates = new Map<string, SecureContext>();
    const groupsBuilt = new Map<string, GroupBuilt>();
    const warnings: CompileWarning[] = [];
    const clashes = new Map<CompiledRoute, CompileWarning>();
    let routeCount = 0;
    for (const group of view.groups) {
      const lists = byGroup.get(group.name) ?? NO_ROUTES;
      const before = this.groupsBuilt.get(group.name);
      const stages = [0, 1, 2].map((i) => {
        const previous = before?.stages[i];
        return previous !== undefined && previous.group === group && sameRoutes(previous.routes, lists[i]!) ? previous : buildStage(group, lists[i]!);
      }) as [StageRoutes, StageRoutes, StageRoutes];
      const entry: GroupEntry =
        before !== undefined && before.entry.group === group && stages.every((s, i) => s.router === before.entry.routers[i])
          ? before.entry
          : { group, routers: [stages[0].router, stages[1].router, stages[2].router] };
      groupsBuilt.set(group.name, { stages, entry });
      for (const domain of group.domains) hosts.set(domain.toLowerCase(), entry);
      for (const s of stages) {
        routeCount += s.added;
        for (const [route, warning] of s.clashes) clashes.set(route, warning);
      }
      const extras = this.groupExtras(group);
      for (const [domain, ctx] of extras.certificates) certificates.set(domain, ctx);
      warnings.push(...extras.warnings);
    }
    this.groupsBuilt = groupsBuilt;
    this.missingGroup = missingGroup;
    if (missingGroup || clashes.size > 0) {
      // Reported in view order, after the certificates.
      for (const published of view.published) {
        const route = this.routesByPublished.get(published);
        const clash = route === undefined || !groups.has(published.api.group) ? undefined : clashes.get(route);
        if (clash !== undefined) warnings.push(clash);
        else if (!groups.has(published.api.group)) warnings.push({ subject: `api ${apiId(published.api)}`, message: `group ${published.api.group} does not exist` });
      }
    }
    return { hosts, certificates, routeCount, warnings };
  }

  /** Published entries by group and stage, in view order (the order decides which of two clashing routes wins). */
  private scanRouteLists(view: StateView, groups: ReadonlyMap<string, ApiGroup>): RouteLists {
    let missingGroup = false;
    const byGroup = new Map<string, (readonly CompiledRoute[])[]>();
    for (const published of view.published) {
      const group = groups.get(published.api.group);
      if (group === undefined) {
        missingGroup = true;
        continue;
      }
      const route = this.routeOf(published, group);
      let lists = byGroup.get(group.name) as CompiledRoute[][] | undefined;
      if (lists === undefined) byGroup.set(group.name, (lists = [[], [], []]));
      lists[route.entry.stageIndex]!.push(route);
    }
    return { byGroup, missingGroup };
  }

  /**
   * The lists of `scanRouteLists`, derived from the last compile's when the
   * groups are the same objects and only a few published entries were
   * replaced in place (same API and stage, new definition), which is what a
   * commit changing some APIs produces: the cost is the changed entries and
   * their groups, not the whole state. Null when the change is of another
   * shape.
   */
  private patchRouteLists(view: StateView, groups: ReadonlyMap<string, ApiGroup>): RouteLists | null {
    const last = this.last;
    if (last === null || last.view.groups !== view.groups) return null;
    const before = last.view.published;
    const after = view.published;
    if (before.length !== after.length) return null;
    const byGroup = new Map<string, (readonly CompiledRoute[])[]>();
    for (const [name, built] of this.groupsBuilt) byGroup.set(name, built.stages.map((s) => s.routes));
    const copied = new Set<readonly CompiledRoute[]>();
    const limit = 64 + (after.length >> 4);
    let changed = 0;
    for (let i = 0; i < after.length; i++) {
      const was = before[i]!;
      const now = after[i]!;
      if (was === now) continue;
      if (++changed > limit || was.stage !== now.stage || was.api.group !== now.api.group) return null;
      const group = groups.get(now.api.group);
      const old = this.routesByPublished.get(was);
      const lists = group === undefined ? undefined : byGroup.get(group.name);
      if (old === undefined || lists === undefined || old.group !== group) return null;
      const stage = old.entry.stageIndex;
      let list = lists[stage]!;
      const at = list.indexOf(old);
      if (at < 0) return null;
      if (!copied.has(list)) {
        list = list.slice();
        copied.add(list);
        lists[stage] = list;
      }
      (list as CompiledRoute[])[at] = this.routeOf(now, group!);
    }
    return { byGroup, missingGroup: this.missingGroup };
  }

  /** What a published entry compiles to in `group`, compiled once per entry and group object. */
  private routeOf(published: Published, group: ApiGroup): CompiledRoute {
    let route = this.routesByPublished.get(published);
    if (route === undefined || route.group !== group) {
      const { stage, api } = published;
      route = {
        group,
        entry: compileApi(api, group, stage),
        method: api.request.method,
        template: joinPaths(group.basePath, api.request.path),
        matchAllChildPaths: api.request.matchAllChildPaths,
      };
      this.routesByPublished.set(published, route);
    }
    return route;
  }

  private groupExtras(group: ApiGroup): GroupExtras {
    let extras = this.extrasByGroup.get(group);
    if (extras === undefined) {
      const certificates: (readonly [string, SecureContext])[] = [];
      const warnings: CompileWarning[] = [];
      for (const cert of group.certificates ?? []) {
        try {
          certificates.push([cert.domain.toLowerCase(), this.secureContext(cert.certificatePem, cert.privateKeyPem)]);
        } catch (err) {
          warnings.push({ subject: `group ${group.name} certificate ${cert.domain}`, message: (err as Error).message });
        }
      }
      extras = { certificates, warnings };
      this.extrasByGroup.set(group, extras);
    }
    return extras;
  }

  private compileApps(view: StateView): AppTables {
    const grantsByApp = new Map<string, Map<string, Grant>>();
    for (const a of view.authorizations) {
      let grant = this.grantsByAuthorization.get(a);
      if (grant === undefined) {
        let stages = 0;
        for (const s of a.stages) stages |= 1 << stageIndex(s)!;
        const expiresAt = a.expiresAt === undefined ? Infinity : Date.parse(a.expiresAt);
        grant = { stages, expiresAt: Number.isNaN(expiresAt) ? -Infinity : expiresAt };
        this.grantsByAuthorization.set(a, grant);
      }
      let grants = grantsByApp.get(a.app);
      if (grants === undefined) grantsByApp.set(a.app, (grants = new Map()));
      grants.set(a.api, grant);
    }
    const appsByKey = new Map<string, AppEntry>();
    const appsByCodeHash = new Map<string, AppEntry>();
    for (const app of view.apps) {
      let keys = this.keysByApp.get(app);
      if (keys === undefined) {
        keys = {
          key: new SigningKey(app.appSecret),
          codeHash: app.appCode ? appCodeHash(app.appCode) : null,
          ...(app.previous
            ? { previousKey: new SigningKey(app.previous.appSecret), previousCodeHash: appCodeHash(app.previous.appCode), previousUntil: app.previous.until }
            : {}),
        };
        this.keysByApp.set(app, keys);
      }
      const grants = grantsByApp.get(app.name) ?? new Map<string, Grant>();
      const entry: AppEntry =
        keys.previousKey !== undefined
          ? { name: app.name, appKey: app.appKey, key: keys.key, previousKey: keys.previousKey, previousUntil: keys.previousUntil!, grants }
          : { name: app.name, appKey: app.appKey, key: keys.key, grants };
      appsByKey.set(app.appKey, entry);
      if (keys.codeHash !== null) appsByCodeHash.set(keys.codeHash, entry);
      if (keys.previousCodeHash !== undefined && !appsByCodeHash.has(keys.previousCodeHash)) appsByCodeHash.set(keys.previousCodeHash, { ...entry, validUntil: keys.previousUntil! });
    }
    return { appsByKey, appsByCodeHash };
  }
}

const NO_ROUTES: readonly (readonly CompiledRoute[])[] = [[], [], []];

function sameRoutes(a: readonly CompiledRoute[], b: readonly CompiledRoute[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Builds the router of one stage of one group; a route that clashes with an earlier one is left out and reported. */
function buildStage(group: ApiGroup, routes: readonly CompiledRoute[]): StageRoutes {
  const router = new Router<ApiEntry>();
  const clashes = new Map<CompiledRoute, CompileWarning>();
  let added = 0;
  for (const r of routes) {
    try {
      router.add(r.method, r.template, r.matchAllChildPaths, r.entry);
      added++;
    } catch (err) {
      if (!(err instanceof RouteConflictError)) throw err;
      clashes.set(r, { subject: `api ${r.entry.id} in ${r.entry.stage}`, message: err.message });
    }
  }
  return { group, routes, router, added, clashes };
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
    forwardable: (p.backendIn ?? p.in) !== 'HEAD' || !NOT_FORWARDED.has((p.backendName ?? p.name).toLowerCase()),
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
    stageIndex: stageIndex(stage)!,
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
    ossAction: def.backend.ossAction ?? null,
    serviceName: def.backend.service,
    timeoutMs: def.backend.timeoutMs,
    constantHeaders: orNone(consts.filter((c) => c.in === 'HEAD' && !NOT_FORWARDED.has(c.name.toLowerCase()))),
    constantQuery: orNone(consts.filter((c) => c.in === 'QUERY')),
    systemHeaders: orNone(sys.filter((s) => s.in === 'HEAD' && !NOT_FORWARDED.has(s.as.toLowerCase()))),
    systemQuery: orNone(sys.filter((s) => s.in === 'QUERY')),
    pathParamNames: orNone(pathParamNames),
    policies: NONE,
    declaresOptions: def.request.method === 'OPTIONS',
  };
}

/** Stage names by index. */
export function stageName(index: number): Stage {
  return STAGES[index]!;
}
