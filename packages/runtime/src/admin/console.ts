/**
 * The gateway console on the admin listener: the built assets of
 * @apigw/console at `/console/` (open: they hold no data; the page asks for
 * the admin token and sends it as a bearer token on every call), and the
 * read endpoints its pages use under `/v1/console/` (token required like
 * every admin endpoint). Configuration is read-only here: the only
 * non-GET endpoints reveal an app's secrets (logged) and run a Debug call
 * (console-debug.ts).
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { KINDS, STAGES, isKind, kindInfo, type ApiGroup, type BackendService, type Stage, type VpcAccess } from '@apigw/schema';
import pino, { type Logger } from 'pino';
import { RuntimeError } from '../errors';
import type { ApiDefinition, LiveApi, LiveResource, LiveState, LiveStateChanges } from '../model';
import type { NodeStatus } from '../store/engine';
import type { AdminCore } from './core';
import { parseDebugRequest, runDebugCall } from './console-debug';
import { metricsText } from './metrics-endpoint';
import type {
  ApiDetail,
  ApiPage,
  ApiRow,
  AppView,
  BackendTarget,
  BackendView,
  CertificateView,
  ConsoleNode,
  ConsoleOverview,
  Counts,
  GroupView,
  PluginView,
  PluginsView,
  StageView,
  TrafficSample,
  TrafficSeries,
} from './console-model';
import { checkNoBody, checkQuery, json, type Reply, type RequestContext, type Route } from './router';

/** What the console needs from the gateway that runs the admin API. */
export interface ConsoleHost {
  /** Base URL of the data plane this process runs ('' when worker processes serve). */
  dataUrl(): string;
  /** Where reveals of app secrets are logged. @default JSON lines on stderr */
  readonly audit?: Logger;
  /** What this node says of itself (the node list of a store only it uses). */
  node(): NodeStatus;
}

// ---------------------------------------------------------------- assets

/** Content types of the files the console build writes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The console's pages run only their own script and style and talk only to
 * this listener; they cannot be framed, and send no referrer.
 */
const ASSET_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

interface Asset {
  readonly text: string;
  readonly type: string;
  readonly etag: string;
}

let assets: Map<string, Asset> | undefined;

/** The built assets by file name, read once. Empty when @apigw/console is not built. */
function loadAssets(): Map<string, Asset> {
  if (assets) return assets;
  const found = new Map<string, Asset>();
  let dir: string | undefined;
  try {
    // Resolved at run time: the assets are a build product of @apigw/console.
    dir = (require('@apigw/console') as { assetsDir: string }).assetsDir;
  } catch {
    dir = undefined;
  }
  if (dir !== undefined) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    for (const name of names) {
      const type = CONTENT_TYPES[extname(name)];
      if (type === undefined) continue;
      const text = readFileSync(join(dir, name), 'utf8');
      found.set(name, { text, type, etag: `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"` });
    }
  }
  if (found.size > 0) assets = found;
  return found;
}

function serveAsset(ctx: RequestContext, name: string): Reply {
  const asset = loadAssets().get(name);
  if (!asset) {
    if (name === 'index.html') throw new RuntimeError('APIGW_ROUTE_NOT_FOUND', 'the console is not built: run npm run build');
    throw new RuntimeError('APIGW_ROUTE_NOT_FOUND', `no console file ${name}`);
  }
  if (ctx.headers['if-none-match'] === asset.etag) return { status: 304, headers: { ...ASSET_HEADERS, etag: asset.etag } };
  return { status: 200, text: asset.text, headers: { ...ASSET_HEADERS, 'content-type': asset.type, etag: asset.etag } };
}

// ---------------------------------------------------------------- the index

/** What the console's views are computed from, rebuilt once per committed revision. */
class ConsoleIndex {
  readonly rows: ApiRow[];
  readonly rowById = new Map<string, ApiRow>();
  readonly apiById = new Map<string, LiveApi>();
  /** Published definitions by API id and stage. */
  readonly published = new Map<string, Partial<Record<Stage, ApiDefinition>>>();
  readonly services = new Map<string, LiveResource<'backendService'>>();
  readonly vpcs = new Map<string, VpcAccess>();
  readonly groupNames: string[];
  readonly serviceNames: string[];

  /** The state as arrays, for the views. */
  readonly state: LiveState;

  constructor(
    readonly revision: number,
    readonly collections: Collections,
    published: readonly { readonly stage: Stage; readonly api: ApiDefinition }[],
  ) {
    const state: Record<string, unknown> = { revision };
    for (const [collection, byId] of collections) state[collection] = [...byId.values()];
    for (const { collection } of KINDS) state[collection] ??= [];
    this.state = state as unknown as LiveState;
    for (const p of published) {
      const id = `${p.api.group}/${p.api.name}`;
      let byStage = this.published.get(id);
      if (!byStage) this.published.set(id, (byStage = {}));
      byStage[p.stage] = p.api;
    }
    for (const s of this.state.backendServices) this.services.set(s.id, s);
    for (const v of this.state.vpcAccesses) this.vpcs.set(v.id, v.spec);
    this.rows = this.state.apis.map((api) => this.row(api)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const api of this.state.apis) this.apiById.set(api.id, api);
    for (const row of this.rows) this.rowById.set(row.id, row);
    this.groupNames = this.state.groups.map((g) => g.id).sort();
    this.serviceNames = [...this.services.keys()].sort();
  }

  private row(api: LiveApi): ApiRow {
    const spec = api.spec;
    const stages: Partial<Record<Stage, StageView>> = {};
    for (const stage of STAGES) {
      const p = api.published[stage];
      if (!p) continue;
      const definition = this.published.get(api.id)?.[stage];
      stages[stage] = { digest: p.digest, publishedAt: p.publishedAt, stale: p.digest !== api.digest, service: definition?.backend.service ?? spec.backend.service };
    }
    return {
      id: api.id,
      group: spec.group,
      name: spec.name,
      method: spec.request.method,
      path: spec.request.path,
      auth: spec.auth.type,
      service: spec.backend.service,
      stack: api.stack,
      stages,
    };
  }

  /** Where a backend service's definition for a stage sends requests to `path`. */
  target(service: BackendService, stage: Stage, path = ''): BackendTarget | null {
    const env = service.environments[stage];
    if (!env) return null;
    switch (service.type) {
      case 'HTTP': {
        const base = (env.url ?? '').replace(/\/+$/, '');
        return { type: 'HTTP', target: base + path };
      }
      case 'VPC': {
        const vpc = env.vpcAccess === undefined ? undefined : this.vpcs.get(env.vpcAccess);
        if (!vpc) return { type: 'VPC', target: `VPC access ${env.vpcAccess ?? '?'} (missing)` };
        const host = vpc.host ? `, Host: ${vpc.host}` : '';
        return { type: 'VPC', target: `${env.https ? 'https' : 'http'}://${vpc.instanceId}:${vpc.port}${path}`, detail: `VPC access ${vpc.name} (${vpc.vpcId}${host})` };
      }
      case 'MOCK':
        return { type: 'MOCK', target: `mock answer ${env.mock?.statusCode ?? '?'}`, detail: env.mock ? truncate(env.mock.body, 120) : '' };
      case 'FUNCTION': {
        const f = env.function;
        if (!f) return { type: 'FUNCTION', target: 'function ?' };
        const id = `${f.service}/${f.function}@${f.qualifier}`;
        const detail = `${f.type === 'HTTP' ? 'HTTP' : 'event'} function ${id}${f.region ? ` in ${f.region}` : ''}`;
        // An HTTP function is reached at its trigger URL like an HTTP backend; an event function is invoked by id.
        if (f.type === 'HTTP' && f.url) return { type: 'FUNCTION', target: f.url.replace(/\/+$/, '') + path, detail };
        return { type: 'FUNCTION', target: `function ${id}`, detail };
      }
      case 'OSS': {
        const o = env.oss;
        return { type: 'OSS', target: o ? `oss://${o.bucket}${path}` : 'oss ?', ...(o?.region ? { detail: `region ${o.region}` } : {}) };
      }
      default:
        return { type: String(service.type), target: JSON.stringify(env) };
    }
  }
}

const indexes = new WeakMap<AdminCore, { readonly revision: number; readonly index: Promise<ConsoleIndex> }>();

/** Live resources by collection, then by id. */
type Collections = Map<string, Map<string, { readonly id: string }>>;

/** The state as collections of resources by id. */
function collectionsOf(state: LiveState): Collections {
  const collections: Collections = new Map();
  for (const [key, value] of Object.entries(state)) if (Array.isArray(value)) collections.set(key, new Map((value as { id: string }[]).map((r) => [r.id, r])));
  return collections;
}

/** `previous` with a change set applied; undefined when a change names a kind this runtime does not know. */
function applyChanges(previous: Collections, changes: LiveStateChanges): Collections | undefined {
  const next: Collections = new Map([...previous].map(([k, v]) => [k, new Map(v)]));
  for (const { kind, id } of changes.deleted) {
    const collection = isKind(kind) ? kindInfo(kind).collection : undefined;
    if (collection === undefined) return undefined;
    next.get(collection)?.delete(id);
  }
  for (const [collection, items] of Object.entries(changes.changed)) {
    let byId = next.get(collection);
    if (!byId) next.set(collection, (byId = new Map()));
    for (const item of items as { id: string }[]) byId.set(item.id, item);
  }
  return next;
}

/**
 * The console index of the current revision. The first read takes the
 * whole state; later ones apply what changed since (the store's change
 * log), so a commit costs the console what it changed, not the gateway's
 * size. Readers of the same revision share one build.
 */
function indexOf(core: AdminCore): Promise<ConsoleIndex> {
  const revision = core.store.revision;
  const cached = indexes.get(core);
  if (cached && cached.revision === revision) return cached.index;
  const previous = cached?.index;
  const index = build(core, previous).catch((error: unknown) => {
    if (indexes.get(core)?.index === index) indexes.delete(core);
    throw error;
  });
  indexes.set(core, { revision, index });
  return index;
}

async function build(core: AdminCore, previousIndex: Promise<ConsoleIndex> | undefined): Promise<ConsoleIndex> {
  const previous = previousIndex ? await previousIndex.catch(() => undefined) : undefined;
  let collections: Collections | undefined;
  let at = 0;
  if (previous) {
    const text = await core.store.getChangesText(previous.revision);
    if (text !== undefined) {
      const changes = JSON.parse(text) as LiveStateChanges;
      collections = applyChanges(previous.collections, changes);
      at = changes.revision;
    }
  }
  if (!collections) {
    const state = await core.getState();
    collections = collectionsOf(state);
    at = state.revision;
  }
  // The view carries the published definitions (and secrets, which go no further than this call).
  const view = await core.store.readView();
  return new ConsoleIndex(at, collections, view.published);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function badQuery(name: string, message: string): RuntimeError {
  return new RuntimeError('APIGW_BAD_REQUEST', `?${name}: ${message}`, { problems: [{ code: 'SCHEMA_VIOLATION', pointer: `?${name}`, message }] });
}

function intParam(ctx: RequestContext, name: string, fallback: number, max: number): number {
  const text = ctx.query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text)) throw badQuery(name, 'must be a non-negative integer');
  const value = Number(text);
  if (value > max) throw badQuery(name, `must be at most ${max}`);
  return value;
}

function stageParam(ctx: RequestContext, name: string): Stage | undefined {
  const text = ctx.query.get(name);
  if (text === null || text === '') return undefined;
  if (!STAGES.includes(text as Stage)) throw badQuery(name, `must be one of ${STAGES.join(', ')}`);
  return text as Stage;
}

// ---------------------------------------------------------------- views

/**
 * The gateway's nodes: those a shared store lists (this one flagged
 * `self`), or this node alone, from memory, on a store only it uses or
 * while the shared one cannot be read (`nodesProblem` says so).
 */
async function nodesOf(ctx: RequestContext, host: ConsoleHost): Promise<Pick<ConsoleOverview, 'nodes' | 'nodesProblem'>> {
  const self = host.node();
  const alone: ConsoleNode = { ...self, lastSeen: new Date().toISOString(), stale: false, self: true };
  const store = ctx.core.store;
  if (!store.listNodes) return { nodes: [alone] };
  try {
    const listed = (await store.listNodes()).map((n): ConsoleNode => ({ ...n, self: n.id === self.id }));
    // Before this node's first heartbeat lands, it still belongs in the list.
    return { nodes: listed.some((n) => n.self) ? listed : [...listed, alone] };
  } catch (error) {
    return { nodes: [alone], nodesProblem: (error as Error).message };
  }
}

async function overview(ctx: RequestContext, host: ConsoleHost): Promise<ConsoleOverview> {
  const [index, nodes] = await Promise.all([indexOf(ctx.core), nodesOf(ctx, host)]);
  const state = index.state as unknown as Record<string, unknown>;
  const counts: Counts = {};
  const stacks = new Map<string | null, Counts>();
  for (const { collection } of allCollections(state)) {
    const items = state[collection] as readonly { stack?: string | null }[];
    counts[collection] = items.length;
    for (const item of items) {
      const stack = item.stack ?? null;
      let c = stacks.get(stack);
      if (!c) stacks.set(stack, (c = {}));
      c[collection] = (c[collection] ?? 0) + 1;
    }
  }
  const published: Record<Stage, number> = { TEST: 0, PRE: 0, RELEASE: 0 };
  let stale = 0;
  for (const row of index.rows)
    for (const stage of STAGES) {
      const s = row.stages[stage];
      if (!s) continue;
      published[stage]++;
      if (s.stale) stale++;
    }
  return {
    revision: index.state.revision,
    store: ctx.core.store.id,
    storage: { engine: ctx.core.store.engine, location: ctx.core.store.location, ...ctx.core.store.health() },
    ready: ctx.ready(),
    dataUrl: host.dataUrl(),
    counts,
    stacks: [...stacks.entries()]
      .map(([stack, c]) => ({ stack, counts: c }))
      .sort((a, b) => (a.stack ?? '').localeCompare(b.stack ?? '')),
    published,
    stale,
    ...nodes,
  };
}

/** The state's resource collections: the known kinds first, then any other array (kinds added later). */
function allCollections(state: Record<string, unknown>): { collection: string }[] {
  const known = KINDS.map((k) => k.collection as string);
  const others = Object.keys(state).filter((k) => !known.includes(k) && Array.isArray(state[k]));
  return [...known, ...others.sort()].map((collection) => ({ collection }));
}

async function apiPage(ctx: RequestContext): Promise<ApiPage> {
  checkQuery(ctx, ['group', 'stage', 'backend', 'q', 'stale', 'offset', 'limit']);
  const index = await indexOf(ctx.core);
  const group = ctx.query.get('group') || undefined;
  const backend = ctx.query.get('backend') || undefined;
  const stage = stageParam(ctx, 'stage');
  const q = (ctx.query.get('q') ?? '').trim().toLowerCase();
  const staleText = ctx.query.get('stale');
  if (staleText !== null && staleText !== '' && staleText !== 'true' && staleText !== 'false') throw badQuery('stale', 'must be true or false');
  const staleOnly = staleText === 'true';
  const offset = intParam(ctx, 'offset', 0, 1e9);
  const limit = intParam(ctx, 'limit', 50, 500);
  const items: ApiRow[] = [];
  let total = 0;
  for (const row of index.rows) {
    if (group !== undefined && row.group !== group) continue;
    if (stage !== undefined && !row.stages[stage]) continue;
    if (backend !== undefined && !usesService(row, backend, stage)) continue;
    if (staleOnly && !STAGES.some((s) => (stage === undefined || s === stage) && row.stages[s]?.stale)) continue;
    if (q !== '' && !row.id.toLowerCase().includes(q) && !row.path.toLowerCase().includes(q)) continue;
    if (total >= offset && items.length < limit) items.push(row);
    total++;
  }
  return { revision: index.state.revision, total, offset, limit, items, groups: index.groupNames, services: index.serviceNames };
}

/** Whether an API uses a backend service: in its current definition, or as published to a stage. */
function usesService(row: ApiRow, service: string, stage: Stage | undefined): boolean {
  if (stage !== undefined) return row.stages[stage]?.service === service;
  if (row.service === service) return true;
  return STAGES.some((s) => row.stages[s]?.service === service);
}

async function apiDetail(ctx: RequestContext): Promise<ApiDetail> {
  checkQuery(ctx, []);
  const index = await indexOf(ctx.core);
  const id = `${ctx.params['group']}/${ctx.params['name']}`;
  const api = index.apiById.get(id);
  const row = index.rowById.get(id);
  if (!api || !row) throw new RuntimeError('APIGW_NOT_FOUND', `API ${id} does not exist`);
  const spec = api.spec;
  const stages: ApiDetail['stages'] = {};
  for (const stage of STAGES) {
    const view = row.stages[stage];
    if (!view) continue;
    const definition = index.published.get(id)?.[stage] ?? spec;
    const service = index.services.get(definition.backend.service);
    stages[stage] = { ...view, backendPath: definition.backend.path, reaches: service ? index.target(service.spec, stage, definition.backend.path) : null };
  }
  const group = index.state.groups.find((g) => g.id === spec.group)?.spec;
  const appKeys = new Map(index.state.apps.map((a) => [a.id, a.appKey]));
  return {
    revision: index.state.revision,
    id,
    group: spec.group,
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    stack: api.stack,
    digest: api.digest,
    updatedAt: api.updatedAt,
    auth: spec.auth,
    request: spec.request,
    backend: spec.backend,
    domains: group ? domainUrls(group, spec.request.path, spec.request.protocols) : [],
    stages,
    authorizations: index.state.authorizations
      .filter((a) => a.spec.api === id)
      .map((a) => ({ app: a.spec.app, appKey: appKeys.get(a.spec.app) ?? '', stages: a.spec.stages, ...(a.spec.expiresAt ? { expiresAt: a.spec.expiresAt } : {}) })),
    plugins: pluginsOf(index, id, spec.group),
  };
}

/** The plugins attached to an API or to its group. */
function pluginsOf(index: ConsoleIndex, api: string, group: string): ApiDetail['plugins'] {
  const attachments = index.collections.get('pluginAttachments');
  if (!attachments) return [];
  const plugins = index.collections.get('plugins');
  const found: ApiDetail['plugins'][number][] = [];
  for (const a of attachments.values() as Iterable<{ readonly spec?: Record<string, unknown> }>) {
    const spec = a.spec ?? {};
    const via = spec['api'] === api ? 'api' : spec['group'] === group && spec['api'] === undefined ? 'group' : undefined;
    if (via === undefined) continue;
    const plugin = String(spec['plugin'] ?? '');
    const type = (plugins?.get(plugin) as { spec?: { type?: unknown } } | undefined)?.spec?.type;
    found.push({ plugin, type: typeof type === 'string' ? type : '', via, stages: Array.isArray(spec['stages']) ? (spec['stages'] as Stage[]) : [] });
  }
  return found.sort((x, y) => x.plugin.localeCompare(y.plugin));
}

function domainUrls(group: ApiGroup, path: string, protocols: readonly string[]): string[] {
  const base = group.basePath === '/' ? '' : group.basePath.replace(/\/+$/, '');
  const urls: string[] = [];
  for (const domain of group.domains) for (const protocol of protocols) urls.push(`${protocol.toLowerCase()}://${domain}${base}${path}`);
  return urls;
}

async function groups(ctx: RequestContext): Promise<GroupView[]> {
  checkQuery(ctx, []);
  const index = await indexOf(ctx.core);
  const apis = new Map<string, number>();
  for (const row of index.rows) apis.set(row.group, (apis.get(row.group) ?? 0) + 1);
  const now = Date.now();
  return index.state.groups.map((g) => ({
    name: g.spec.name,
    ...(g.spec.description ? { description: g.spec.description } : {}),
    stack: g.stack,
    basePath: g.spec.basePath,
    domains: g.spec.domains,
    certificates: (g.spec.certificates ?? []).map((c) => certificateView(c.domain, c.certificatePem, now)),
    apis: apis.get(g.id) ?? 0,
  }));
}

/** The public facts of a PEM certificate (the first of a chain). */
export function certificateView(domain: string, pem: string, now: number): CertificateView {
  try {
    const cert = new X509Certificate(pem);
    const validTo = new Date(cert.validTo);
    return {
      domain,
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      validFrom: new Date(cert.validFrom).toISOString(),
      validTo: validTo.toISOString(),
      daysLeft: Math.floor((validTo.getTime() - now) / 86_400_000),
      fingerprint256: cert.fingerprint256,
    };
  } catch (error) {
    return { domain, subject: '', issuer: '', validFrom: '', validTo: '', daysLeft: 0, fingerprint256: '', error: `not a readable PEM certificate: ${(error as Error).message}` };
  }
}

async function backends(ctx: RequestContext): Promise<BackendView[]> {
  checkQuery(ctx, []);
  const index = await indexOf(ctx.core);
  const following = new Map<string, Record<Stage, string[]>>();
  for (const row of index.rows)
    for (const stage of STAGES) {
      const view = row.stages[stage];
      if (!view) continue;
      let byStage = following.get(view.service);
      if (!byStage) following.set(view.service, (byStage = { TEST: [], PRE: [], RELEASE: [] }));
      byStage[stage].push(row.id);
    }
  return [...index.services.values()].map((s) => ({
    name: s.spec.name,
    type: s.spec.type,
    ...(s.spec.description ? { description: s.spec.description } : {}),
    stack: s.stack,
    environments: { TEST: index.target(s.spec, 'TEST'), PRE: index.target(s.spec, 'PRE'), RELEASE: index.target(s.spec, 'RELEASE') },
    followingCount: count(following.get(s.id)),
    following: first(following.get(s.id)),
  }));
}

/** How many following APIs the backends view names per environment. */
const FOLLOWING_SHOWN = 20;

function count(byStage: Record<Stage, string[]> | undefined): Record<Stage, number> {
  return { TEST: byStage?.TEST.length ?? 0, PRE: byStage?.PRE.length ?? 0, RELEASE: byStage?.RELEASE.length ?? 0 };
}

function first(byStage: Record<Stage, string[]> | undefined): Record<Stage, string[]> {
  return { TEST: byStage?.TEST.slice(0, FOLLOWING_SHOWN) ?? [], PRE: byStage?.PRE.slice(0, FOLLOWING_SHOWN) ?? [], RELEASE: byStage?.RELEASE.slice(0, FOLLOWING_SHOWN) ?? [] };
}

async function apps(ctx: RequestContext): Promise<AppView[]> {
  checkQuery(ctx, []);
  const index = await indexOf(ctx.core);
  const byApp = new Map<string, AppView['authorizations'][number][]>();
  for (const a of index.state.authorizations) {
    let list = byApp.get(a.spec.app);
    if (!list) byApp.set(a.spec.app, (list = []));
    list.push({ api: a.spec.api, stages: a.spec.stages, ...(a.spec.expiresAt ? { expiresAt: a.spec.expiresAt } : {}) });
  }
  return index.state.apps.map((a) => ({
    name: a.spec.name,
    ...(a.spec.description ? { description: a.spec.description } : {}),
    stack: a.stack,
    appKey: a.appKey,
    ...(a.appId === undefined ? {} : { appId: a.appId }),
    authorizations: byApp.get(a.id) ?? [],
  }));
}

/** Plugins and their attachments, once the runtime has the kinds (collections `plugins` and `pluginAttachments`). */
async function plugins(ctx: RequestContext): Promise<PluginsView> {
  checkQuery(ctx, []);
  const index = await indexOf(ctx.core);
  const defined = index.collections.get('plugins');
  if (!defined) return { available: false, plugins: [] };
  type Live = { readonly id: string; readonly stack?: string | null; readonly spec?: Record<string, unknown> };
  const attachments = new Map<string, PluginView['attachments'][number][]>();
  for (const a of (index.collections.get('pluginAttachments')?.values() ?? []) as Iterable<Live>) {
    const spec = a.spec ?? {};
    const plugin = String(spec['plugin'] ?? '');
    let list = attachments.get(plugin);
    if (!list) attachments.set(plugin, (list = []));
    list.push({
      ...(typeof spec['api'] === 'string' ? { api: spec['api'] } : {}),
      ...(typeof spec['group'] === 'string' ? { group: spec['group'] } : {}),
      stages: Array.isArray(spec['stages']) ? (spec['stages'] as Stage[]) : [],
    });
  }
  return {
    available: true,
    plugins: [...(defined.values() as Iterable<Live>)].map((p) => {
      const { name, type, description, ...settings } = p.spec ?? {};
      return {
        name: String(name ?? p.id),
        type: String(type ?? ''),
        ...(typeof description === 'string' ? { description } : {}),
        stack: p.stack ?? null,
        settings,
        attachments: attachments.get(p.id) ?? [],
      };
    }),
  };
}

let defaultAudit: Logger | undefined;

/** Reveals an app's credentials to the console user, logging who asked (never the secrets). */
async function reveal(ctx: RequestContext, host: ConsoleHost): Promise<Reply> {
  checkQuery(ctx, []);
  checkNoBody(ctx);
  const app = ctx.params['name']!;
  const credentials = await ctx.core.getCredentials(app);
  const audit = host.audit ?? (defaultAudit ??= pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2)));
  audit.warn({ event: 'app.credentials.revealed', app, userAgent: ctx.headers['user-agent'] ?? '' }, `console revealed the credentials of app ${app}`);
  return json(200, credentials, { 'cache-control': 'no-store' });
}

// ---------------------------------------------------------------- traffic

/** Prometheus text lines of the data plane's request metrics. */
const SAMPLE = /^(apigw_requests_total|apigw_request_duration_seconds_bucket)\{(.*)\} ([0-9.eE+-]+|NaN|\+Inf)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/**
 * The data plane's request metrics per API and stage, read from the same
 * text `/metrics` serves (so worker processes' metrics are included).
 */
export function trafficFromMetrics(text: string, api?: string): TrafficSeries[] {
  const series = new Map<string, { api: string; stage: string; requests: number; statuses: Record<string, number>; buckets: Map<number, number> }>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apigw_request')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of m[2]!.matchAll(LABEL)) labels[l[1]!] = unescapeLabel(l[2]!);
    const name = labels['api'] ?? '';
    if (name === '' || (api !== undefined && name !== api)) continue;
    const stage = labels['stage'] ?? '';
    const key = `${name}\n${stage}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { api: name, stage, requests: 0, statuses: {}, buckets: new Map() }));
    const value = Number(m[3]);
    if (m[1] === 'apigw_requests_total') {
      const status = labels['status'] ?? '';
      s.requests += value;
      s.statuses[status] = (s.statuses[status] ?? 0) + value;
    } else {
      const le = labels['le'] === '+Inf' ? Infinity : Number(labels['le']);
      s.buckets.set(le, (s.buckets.get(le) ?? 0) + value);
    }
  }
  return [...series.values()]
    .map((s) => ({ api: s.api, stage: s.stage, requests: s.requests, statuses: s.statuses, buckets: [...s.buckets.entries()].sort((a, b) => a[0] - b[0]) }))
    .sort((a, b) => b.requests - a.requests || a.api.localeCompare(b.api) || a.stage.localeCompare(b.stage));
}

async function traffic(ctx: RequestContext): Promise<TrafficSample> {
  checkQuery(ctx, ['api']);
  const api = ctx.query.get('api') || undefined;
  return { at: Date.now(), series: trafficFromMetrics(await metricsText(ctx.metrics), api) };
}

// ---------------------------------------------------------------- routes

/** The console's routes, for the admin server's `routes` option. */
export function consoleRoutes(host: ConsoleHost): Route[] {
  return [
    { pattern: '/console', open: true, methods: { GET: () => ({ status: 308, headers: { location: '/console/' } }) } },
    { pattern: '/console/', open: true, methods: { GET: (ctx) => serveAsset(ctx, 'index.html') } },
    { pattern: '/console/:file', open: true, methods: { GET: (ctx) => serveAsset(ctx, ctx.params['file']!) } },
    { pattern: '/v1/console/overview', methods: { GET: async (ctx) => (checkQuery(ctx, []), json(200, await overview(ctx, host))) } },
    { pattern: '/v1/console/apis', methods: { GET: async (ctx) => json(200, await apiPage(ctx)) } },
    { pattern: '/v1/console/apis/:group/:name', methods: { GET: async (ctx) => json(200, await apiDetail(ctx)) } },
    { pattern: '/v1/console/groups', methods: { GET: async (ctx) => json(200, await groups(ctx)) } },
    { pattern: '/v1/console/backends', methods: { GET: async (ctx) => json(200, await backends(ctx)) } },
    { pattern: '/v1/console/apps', methods: { GET: async (ctx) => json(200, await apps(ctx)) } },
    { pattern: '/v1/console/plugins', methods: { GET: async (ctx) => json(200, await plugins(ctx)) } },
    { pattern: '/v1/console/apps/:name/reveal', methods: { POST: (ctx) => reveal(ctx, host) } },
    { pattern: '/v1/console/traffic', methods: { GET: async (ctx) => json(200, await traffic(ctx)) } },
    {
      pattern: '/v1/console/debug',
      methods: {
        POST: async (ctx) => {
          checkQuery(ctx, []);
          return json(200, await runDebugCall(ctx.core, host.dataUrl(), parseDebugRequest(ctx.body)), { 'cache-control': 'no-store' });
        },
      },
    },
  ];
}
