/**
 * The batch engine: applies a batch's operations in order inside one
 * write transaction, enforcing Alibaba Cloud API Gateway's semantics and
 * stack ownership, then either commits (bumping the revision) or rolls
 * back. Every operation runs even after one fails, so the error list is
 * complete; any error means nothing is committed.
 */
import {
  attachmentTargets,
  canonicalJson,
  checkRules,
  describeResource as describe,
  hasCredentials,
  RESOURCE_RULES,
  onePluginPerType,
  pluginConfigs,
  referencesOf,
  resourceId,
  routeKey,
  uniqueDomains,
  uniqueRoutes,
  type Kind,
  type KindSpecs,
  type Problem,
  type Rule,
  type RuleInput,
  type RuleResource,
  type Stage,
} from '@apigw/schema';
import { BatchRejectedError, RuntimeError, type RuntimeErrorCode } from '../errors';
import type { ApiDefinition, BatchResult, Operation, OperationError, OperationResult, StoredSpec } from '../model';
import { isOperationError, type ParsedBatch } from './batch-request';
import { newAppCode, newAppKey, newAppSecret } from './credentials';
import { digestOf } from './digest';
import { sql } from './sql';
import type { CredentialsRow, Query, Ref, ResourceRow, Step } from './statements';


/** A refusal of one operation, turned into an OperationError by the loop. */
class OpFailure extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly problems?: Problem[],
  ) {
    super(message);
  }
}

/** What the engine tracks while a batch runs. */
interface BatchContext {
  readonly stack: string | null;
  readonly now: string;
  /** Resources whose spec an operation wrote: `kind id` -> index of the last such operation. */
  readonly written: Map<string, number>;
  /** Publish operations: route key and stage (NUL-separated) -> index of the last one. */
  readonly publishedRoutes: Map<string, number>;
  /** The revision the batch commits as: what it writes is logged under it. */
  readonly rev: number;
  /** Rows read or written by the batch, by `kind id` (null: known not to exist), with their parsed specs. */
  readonly rows: Map<string, CachedRow | null>;
  /** Resources (`kind id`) already marked as changed at `rev`. */
  readonly touched: Set<string>;
  /** Definitions published by the batch, parsed, by digest. */
  readonly published: Map<string, ApiDefinition>;
}

/** A row the batch has seen, and its spec once parsed. */
interface CachedRow {
  readonly row: ResourceRow;
  spec?: unknown;
  route?: string;
}

/** What a batch's environment gives it. */
export interface BatchEnvironment {
  /** The time of the batch (ISO 8601): creation, update and publishing times. */
  readonly now: string;
  /** How many revisions back the change log answers (see OpenStoreOptions.retainedRevisions). */
  readonly retainedRevisions: number;
  /**
   * Read every resource the operations name in one statement before the
   * first operation (see prefetch): for an engine where each statement is a
   * network round trip. An engine in the process answers a lookup faster
   * than the batched read costs, and skips it.
   */
  readonly readAhead: boolean;
}

/** What a batch produced. */
export interface BatchOutcome {
  readonly result: BatchResult;
  /** Commit the transaction: false for a dry run or a batch that changed nothing (roll back then). */
  readonly commit: boolean;
  /** Definitions the batch published, parsed, by digest (equal to their stored JSON): the next view read may take them. */
  readonly published: ReadonlyMap<string, ApiDefinition>;
}

/**
 * Runs a parsed batch inside the engine's write transaction (see
 * GatewayStore.applyBatch). Throws RuntimeError for a revision conflict and
 * BatchRejectedError listing every failing operation: the engine rolls
 * back then, and also when `commit` is false.
 */
export function* runBatch(batch: ParsedBatch, env: BatchEnvironment): Step<BatchOutcome> {
  const revision = yield* sql.lockRevision();
  if (batch.expectedRevision !== undefined && batch.expectedRevision !== revision)
    throw new RuntimeError('APIGW_REVISION_CONFLICT', `the state is at revision ${revision}, not the expected ${batch.expectedRevision}; read it again and retry`, { revision });
  const ctx: BatchContext = { stack: batch.stack, now: env.now, written: new Map(), publishedRoutes: new Map(), rev: revision + 1, rows: new Map(), touched: new Set(), published: new Map() };
  if (env.readAhead) yield* prefetch(ctx, batch.operations);
  const results: OperationResult[] = [];
  const errors: OperationError[] = [];
  for (let index = 0; index < batch.operations.length; index++) {
    const op = batch.operations[index]!;
    if (isOperationError(op)) {
      errors.push(op);
      continue;
    }
    try {
      results.push(yield* applyOperation(ctx, op, index));
    } catch (error) {
      if (!(error instanceof OpFailure)) throw error;
      errors.push({ index, code: error.code, message: error.message, ...(error.problems ? { problems: error.problems } : {}) });
    }
  }
  errors.push(...(yield* documentRuleErrors(ctx, errors)));
  if (errors.length > 0) {
    errors.sort((a, b) => a.index - b.index);
    throw new BatchRejectedError(errors, batch.operations.length);
  }
  if (batch.dryRun || results.length === 0) return { result: { revision, dryRun: batch.dryRun, results }, commit: false, published: new Map() };
  yield sql.setRevision(revision + 1);
  // The change log keeps the last retainedRevisions revisions' deletions; readers further behind read in full.
  if (revision + 1 - (yield* sql.changesFloor()) >= 2 * env.retainedRevisions) yield* sql.pruneChanges(revision + 1 - env.retainedRevisions);
  return { result: { revision: revision + 1, dryRun: false, results }, commit: true, published: ctx.published };
}

/**
 * Reads every resource the operations name (their targets and what their
 * specs refer to), then the backend services of the APIs they publish,
 * each set in one statement: the operations then find them in the batch's
 * cache instead of asking the database one at a time, which costs a round
 * trip each on a networked engine. Reading them first changes nothing the
 * batch sees: it holds the write lock, so no other writer moves them.
 */
function* prefetch(ctx: BatchContext, operations: ParsedBatch['operations']): Step<void> {
  const wanted = new Map<string, Ref>();
  const want = (kind: Kind, id: string): void => {
    const key = `${kind} ${id}`;
    if (!ctx.rows.has(key)) wanted.set(key, { kind, id });
  };
  const published: string[] = [];
  for (const op of operations) {
    if (isOperationError(op)) continue;
    switch (op.op) {
      case 'create':
      case 'update':
        want(op.kind, idOf(op.kind, op.spec));
        for (const ref of referencesOf(op.kind, op.spec as KindSpecs[Kind])) want(ref.kind, ref.id);
        break;
      case 'delete':
      case 'adopt':
        want(op.kind, op.id);
        break;
      case 'publish':
        published.push(op.api);
        want('api', op.api);
        break;
      case 'unpublish':
        want('api', op.api);
        break;
      case 'rotateCredentials':
        want('app', op.app);
        break;
    }
  }
  yield* fetchRows(ctx, wanted);
  // An API the batch also updates may name another service: that one is among the references read above.
  for (const api of published) {
    const cached = ctx.rows.get(`api ${api}`);
    if (cached) want('backendService', specOf<ApiDefinition>(cached).backend.service);
  }
  yield* fetchRows(ctx, wanted);
}

/** Reads the wanted rows into the batch's cache (those missing known not to exist), then forgets the wants. */
function* fetchRows(ctx: BatchContext, wanted: Map<string, Ref>): Step<void> {
  if (wanted.size === 0) return;
  for (const row of yield* sql.resources([...wanted.values()])) ctx.rows.set(`${row.kind} ${row.id}`, { row });
  for (const key of wanted.keys()) if (!ctx.rows.has(key)) ctx.rows.set(key, null);
  wanted.clear();
}

/** Fresh credentials for an app, with an AppKey no other app has. */
function* newCredentials(app: string): Step<CredentialsRow> {
  for (;;) {
    const appKey = newAppKey();
    if (yield* sql.credentialsByKey(appKey)) continue;
    return {
      app,
      app_id: yield* sql.nextCounter('app_id', 100_000_000),
      app_key: appKey,
      app_secret: newAppSecret(),
      app_code: newAppCode(),
      previous_secret: null,
      previous_code: null,
      previous_until: null,
      rotated_at: null,
    };
  }
}

/** The step of one operation (returned, not delegated to: each level of `yield*` is paid on every query). */
function applyOperation(ctx: BatchContext, op: Operation, index: number): Step<OperationResult> {
  switch (op.op) {
    case 'create':
      return create(ctx, op.kind, op.spec, index);
    case 'update':
      return update(ctx, op.kind, op.spec, index);
    case 'delete':
      return remove(ctx, op.kind, op.id, index);
    case 'adopt':
      return adopt(ctx, op.kind, op.id, op.fromStack ?? null, index);
    case 'publish':
      return publish(ctx, op.api, op.stage, index);
    case 'unpublish':
      return unpublish(ctx, op.api, op.stage, index);
    case 'rotateCredentials':
      return rotate(ctx, op.app, op.graceSeconds, index);
  }
}

function routeOf(kind: Kind, spec: StoredSpec<Kind>): string | null {
  return kind === 'api' ? routeKey(spec as ApiDefinition) : null;
}

function idOf(kind: Kind, spec: StoredSpec<Kind>): string {
  return resourceId(kind, spec as KindSpecs[Kind]);
}

function ownerText(stack: string | null): string {
  return stack === null ? 'no stack' : `stack ${stack}`;
}

/** A resource as of this point of the batch (read once, then kept up to date by the batch's writes). */
function* lookup(ctx: BatchContext, kind: Kind, id: string): Step<CachedRow | undefined> {
  const key = `${kind} ${id}`;
  let cached = ctx.rows.get(key);
  if (cached === undefined) {
    const row = yield* sql.resource(kind, id);
    cached = row ? { row } : null;
    ctx.rows.set(key, cached);
  }
  return cached ?? undefined;
}

/**
 * A resource the batch has already seen and that exists, or undefined
 * (not read yet, or known not to exist: lookup or existing then reads or
 * refuses). Hot paths try it first: it makes no step for a resource the
 * batch already holds.
 */
function held(ctx: BatchContext, kind: Kind, id: string): CachedRow | undefined {
  return ctx.rows.get(`${kind} ${id}`) ?? undefined;
}

/** The parsed spec of a cached row (parsed once per batch). */
function specOf<T>(cached: CachedRow): T {
  return (cached.spec ??= JSON.parse(cached.row.spec)) as T;
}

/** A row's parsed spec, reusing the batch's parse when the row is the one the batch knows. */
function parsedRow<T>(ctx: BatchContext, row: ResourceRow): T {
  const cached = ctx.rows.get(`${row.kind} ${row.id}`);
  return (cached && cached.row.spec === row.spec ? specOf<T>(cached) : JSON.parse(row.spec)) as T;
}

/** Records a write (logged at the batch's revision): later lookups see the new row and reuse its spec. */
function remember(ctx: BatchContext, row: ResourceRow, spec?: unknown): void {
  const key = `${row.kind} ${row.id}`;
  ctx.rows.set(key, spec === undefined ? { row } : { row, spec });
  ctx.touched.add(key);
}

/** Logs a change to a resource's published revisions or credentials (once per batch): the write to yield, if any. */
function touch(ctx: BatchContext, kind: Kind, id: string): Query[] {
  const key = `${kind} ${id}`;
  if (ctx.touched.has(key)) return [];
  ctx.touched.add(key);
  return [sql.touch(kind, id, ctx.rev)];
}

/** The existing resource, or a 404 failure. */
function* existing(ctx: BatchContext, kind: Kind, id: string): Step<CachedRow> {
  const cached = yield* lookup(ctx, kind, id);
  if (!cached) throw new OpFailure('APIGW_NOT_FOUND', `${describe(kind, id)} does not exist`);
  return cached;
}

/** Refuses to touch a resource the batch's stack does not own. */
function assertOwned(ctx: BatchContext, row: ResourceRow): void {
  if (row.stack !== ctx.stack)
    throw new OpFailure(
      'APIGW_NOT_OWNED',
      `${describe(row.kind, row.id)} is owned by ${ownerText(row.stack)}; a change for ${ownerText(ctx.stack)} may not touch it. ` +
        (row.stack === null
          ? 'To manage it from a stack, claim it with adopt (apigw plan/apply --adopt)'
          : `Change it as its owner (?stack=${row.stack} on the admin API, "stack": ${JSON.stringify(row.stack)} in a batch), or move it to another stack deliberately with adopt (fromStack: ${JSON.stringify(row.stack)})`),
    );
}

/** Checks every reference exists now; records them. */
function* linkReferences(ctx: BatchContext, kind: Kind, id: string, spec: StoredSpec<Kind>, index: number, fresh: boolean): Step<void> {
  const refs = referencesOf(kind, spec as KindSpecs[Kind]);
  const problems: Problem[] = [];
  for (const ref of refs)
    if (!(held(ctx, ref.kind, ref.id) ?? (yield* lookup(ctx, ref.kind, ref.id))))
      problems.push({ code: 'UNKNOWN_REFERENCE', pointer: `/operations/${index}/spec${ref.pointer}`, message: `${describe(kind, id)} names ${describe(ref.kind, ref.id)}, which does not exist` });
  if (problems.length > 0) throw new OpFailure('APIGW_SPEC_INVALID', problems.map((p) => p.message).join('; '), problems);
  yield* sql.setRefs(
    kind,
    id,
    refs.map((r): Ref => ({ kind: r.kind, id: r.id })),
    fresh,
  );
}

function* create(ctx: BatchContext, kind: Kind, spec: StoredSpec<Kind>, index: number): Step<OperationResult> {
  const id = idOf(kind, spec);
  if (yield* lookup(ctx, kind, id)) throw new OpFailure('APIGW_ALREADY_EXISTS', `${describe(kind, id)} already exists`);
  yield* linkReferences(ctx, kind, id, spec, index, true);
  const text = canonicalJson(spec);
  const digest = kind === 'api' ? digestOf(text) : null;
  yield sql.insertResource(kind, id, ctx.stack, text, ctx.now, routeOf(kind, spec), digest, ctx.rev);
  remember(ctx, { kind, id, stack: ctx.stack, spec: text, created_at: ctx.now, updated_at: ctx.now, digest }, spec);
  if (hasCredentials(kind)) yield sql.insertCredentials(yield* newCredentials(id));
  ctx.written.set(`${kind} ${id}`, index);
  return { index, op: 'create', kind, id };
}

function* update(ctx: BatchContext, kind: Kind, spec: StoredSpec<Kind>, index: number): Step<OperationResult> {
  const id = idOf(kind, spec);
  const cached = yield* existing(ctx, kind, id);
  const row = cached.row;
  assertOwned(ctx, row);
  let unpublished: { api: string; stage: Stage }[] | undefined;
  if (kind === 'backendService') {
    const before = specOf<KindSpecs['backendService']>(cached);
    const after = spec as KindSpecs['backendService'];
    if (before.type !== after.type)
      throw new OpFailure('APIGW_TYPE_IMMUTABLE', `backend service ${id} is of type ${before.type}; its type cannot change to ${after.type} (delete and create it instead)`);
    // A stage's definition removed: every API published there through this service is unpublished.
    for (const stage of Object.keys(before.environments) as Stage[]) {
      if (after.environments[stage]) continue;
      for (const p of yield* sql.publishedByBackendStage(id, stage)) {
        yield sql.deletePublished(p.api, stage);
        yield* touch(ctx, 'api', p.api);
        (unpublished ??= []).push({ api: p.api, stage });
      }
    }
  }
  yield* linkReferences(ctx, kind, id, spec, index, false);
  const text = canonicalJson(spec);
  const digest = kind === 'api' ? digestOf(text) : null;
  yield sql.updateResource(kind, id, text, ctx.now, routeOf(kind, spec), digest, ctx.rev);
  remember(ctx, { ...row, spec: text, updated_at: ctx.now, digest }, spec);
  ctx.written.set(`${kind} ${id}`, index);
  return { index, op: 'update', kind, id, ...(unpublished ? { unpublished } : {}) };
}

/** The names of what uses a resource (its spec's referrers, and published revisions for a backend). */
function* usersOf(kind: Kind, id: string): Step<string[]> {
  const users = (yield* sql.usersOf(kind, id)).map((r) => describe(r.kind, r.id));
  if (kind === 'backendService') for (const p of yield* sql.publishedByBackend(id)) users.push(`api ${p.api} (published to ${p.stage})`);
  return [...new Set(users)];
}

function* remove(ctx: BatchContext, kind: Kind, id: string, index: number): Step<OperationResult> {
  const row = (yield* existing(ctx, kind, id)).row;
  assertOwned(ctx, row);
  const users = yield* usersOf(kind, id);
  if (users.length > 0) {
    const shown = users.slice(0, 10).join(', ') + (users.length > 10 ? ` and ${users.length - 10} more` : '');
    throw new OpFailure('APIGW_IN_USE', `${describe(kind, id)} is in use by ${shown}; delete or change those first`);
  }
  yield* sql.deleteResource(kind, id, ctx.rev);
  ctx.rows.set(`${kind} ${id}`, null);
  ctx.touched.delete(`${kind} ${id}`);
  if (kind === 'api') yield sql.deletePublishedOf(id);
  if (hasCredentials(kind)) yield sql.deleteCredentials(id);
  ctx.written.delete(`${kind} ${id}`);
  return { index, op: 'delete', kind, id };
}

function* adopt(ctx: BatchContext, kind: Kind, id: string, fromStack: string | null, index: number): Step<OperationResult> {
  const cached = yield* existing(ctx, kind, id);
  const row = cached.row;
  if (row.stack !== ctx.stack) {
    if (row.stack !== null && row.stack !== fromStack)
      throw new OpFailure(
        'APIGW_NOT_OWNED',
        `${describe(kind, id)} is owned by stack ${row.stack}; adopting it from another stack must name that stack (fromStack: ${JSON.stringify(row.stack)})`,
      );
    yield sql.setOwner(kind, id, ctx.stack, ctx.now, ctx.rev);
    remember(ctx, { ...row, stack: ctx.stack, updated_at: ctx.now }, cached.spec);
  }
  return { index, op: 'adopt', kind, id };
}

function* publish(ctx: BatchContext, api: string, stage: Stage, index: number): Step<OperationResult> {
  const cached = held(ctx, 'api', api) ?? (yield* existing(ctx, 'api', api));
  const row = cached.row;
  assertOwned(ctx, row);
  const definition = specOf<ApiDefinition>(cached);
  const service = definition.backend.service;
  const backend = specOf<KindSpecs['backendService']>(held(ctx, 'backendService', service) ?? (yield* existing(ctx, 'backendService', service)));
  if (!backend.environments[stage])
    throw new OpFailure(
      'APIGW_STAGE_WITHOUT_BACKEND',
      `api ${api} cannot be published to ${stage}: its backend service ${backend.name} has no ${stage} definition`,
    );
  const route = (cached.route ??= routeKey(definition));
  const digest = row.digest ?? digestOf(row.spec);
  ctx.published.set(digest, definition);
  yield sql.upsertPublished({ api, stage, route, backend: backend.name, digest, definition: row.spec, published_at: ctx.now });
  yield* touch(ctx, 'api', api);
  ctx.publishedRoutes.set(`${route}\u0000${stage}`, index);
  return { index, op: 'publish', kind: 'api', id: api };
}

function* unpublish(ctx: BatchContext, api: string, stage: Stage, index: number): Step<OperationResult> {
  const row = (yield* existing(ctx, 'api', api)).row;
  assertOwned(ctx, row);
  if (!(yield* sql.published(api, stage))) throw new OpFailure('APIGW_NOT_PUBLISHED', `api ${api} is not published to ${stage}`);
  yield sql.deletePublished(api, stage);
  yield* touch(ctx, 'api', api);
  return { index, op: 'unpublish', kind: 'api', id: api };
}

function* rotate(ctx: BatchContext, app: string, graceSeconds: number | undefined, index: number): Step<OperationResult> {
  const row = (yield* existing(ctx, 'app', app)).row;
  assertOwned(ctx, row);
  const now = Date.now();
  const current = (yield* sql.credentials(app))!;
  const grace = (graceSeconds ?? 0) * 1000;
  const previous = grace > 0 ? { secret: current.app_secret, code: current.app_code, until: now + grace } : null;
  yield sql.rotateCredentials(app, newAppSecret(), newAppCode(), previous, new Date(now).toISOString());
  yield* touch(ctx, 'app', app);
  return { index, op: 'rotateCredentials', kind: 'app', id: app };
}

/** The rules of the schema a batch can break beyond what each operation checks (references are checked as operations run). */
const BATCH_RULES: readonly Rule[] = [...RESOURCE_RULES, uniqueDomains, uniqueRoutes];

/** The rules a batch that writes plugins or plugin attachments runs over all of them. */
const PLUGIN_RULES: readonly Rule[] = [pluginConfigs, attachmentTargets, onePluginPerType];

/**
 * The document rules that span resources (domains bound once, routes
 * answered once per group, environment shapes, path parameters...) are the
 * schema package's; they run here over the part of the state the batch
 * touched, with touched resources last so that a clash is reported on the
 * one the batch changed. Each touched resource carries the index of the
 * operation that last wrote it, and a problem is reported on that
 * operation; untouched resources are context. Published revisions are
 * checked per group and stage for route clashes.
 */
function* documentRuleErrors(ctx: BatchContext, already: readonly OperationError[]): Step<OperationError[]> {
  const out = new Map<number, Problem[]>();
  const add = (index: number, problem: Problem) => {
    const known = already.find((e) => e.index === index)?.problems ?? [];
    if (known.some((p) => p.pointer === problem.pointer && p.code === problem.code)) return;
    const list = out.get(index) ?? [];
    list.push(problem);
    out.set(index, list);
  };

  const touched = (kind: Kind) =>
    [...ctx.written.entries()].filter(([key]) => key.startsWith(`${kind} `)).map(([key, index]) => ({ id: key.slice(kind.length + 1), index }));
  const touchedApis = touched('api');
  const touchedBackends = touched('backendService');
  const touchedGroups = touched('group');

  if (touchedApis.length + touchedBackends.length + touchedGroups.length > 0) {
    // APIs: the touched ones and those sharing a route key with them (the only ones they can clash with).
    // Backends: the touched ones and those the included APIs use. Groups: all when one is touched (domains are gateway-wide).
    const routes = new Map<string, ResourceRow>();
    for (const a of touchedApis) {
      const cached = yield* lookup(ctx, 'api', a.id);
      if (cached) routes.set((cached.route ??= routeKey(specOf<ApiDefinition>(cached))), cached.row);
    }
    // Many routes: one scan finds those more than one API answers; any other route is the touched API's alone.
    const shared = routes.size > SHARED_ROUTE_SCAN ? new Set(yield* sql.sharedApiRoutes()) : undefined;
    const apiRows: ResourceRow[] = [];
    for (const [route, row] of routes) {
      if (shared && !shared.has(route)) apiRows.push(row);
      else apiRows.push(...(yield* sql.apisByRoute(route)));
    }
    const apis = touchedLast<'api'>(ctx, apiRows, touchedApis);
    const backendNames = new Set([...touchedBackends.map((b) => b.id), ...apis.map((a) => a.spec.backend.service)]);
    const backends = touchedLast<'backendService'>(ctx, yield* lookupRows(ctx, 'backendService', backendNames), touchedBackends);
    const groups = touchedLast<'group'>(ctx, touchedGroups.length > 0 ? yield* sql.resourcesOfKind('group') : [], touchedGroups);
    const input: RuleInput<number> = { resources: { api: apis, backendService: backends, group: groups } };
    for (const f of checkRules(input, BATCH_RULES)) add(f.place, { code: f.code, pointer: `/operations/${f.place}/spec${f.pointer}`, message: f.message });
  }

  // Plugins and attachments: configurations, targets, and one plugin of a type per API or group and stage.
  const touchedPlugins = touched('plugin');
  const touchedAttachments = touched('pluginAttachment');
  if (touchedPlugins.length + touchedAttachments.length > 0) {
    const plugins = touchedLast<'plugin'>(ctx, yield* sql.resourcesOfKind('plugin'), touchedPlugins);
    const attachments = touchedLast<'pluginAttachment'>(ctx, yield* sql.resourcesOfKind('pluginAttachment'), touchedAttachments);
    const input: RuleInput<number> = { resources: { plugin: plugins, pluginAttachment: attachments } };
    for (const f of checkRules(input, PLUGIN_RULES)) add(f.place, { code: f.code, pointer: `/operations/${f.place}/spec${f.pointer}`, message: f.message });
  }

  // Published revisions: APIs of one group published to one stage must not answer the same route.
  const sharedPublished = ctx.publishedRoutes.size > SHARED_ROUTE_SCAN ? new Set(yield* sql.sharedPublishedRoutes()) : undefined;
  for (const [key, index] of ctx.publishedRoutes) {
    const [route, stage] = key.split('\u0000') as [string, Stage];
    if (sharedPublished ? !sharedPublished.has(key) : (yield* sql.countPublishedByRoute(route, stage)) < 2) continue;
    const published = (yield* sql.publishedByRoute(route, stage)).map((p): RuleResource<'api', number> => ({ spec: JSON.parse(p.definition) as KindSpecs['api'], place: index }));
    for (const f of checkRules({ resources: { api: published } }, [uniqueRoutes]))
      add(index, { code: f.code, pointer: `/operations/${index}`, message: `in ${stage}: ${f.message}` });
  }

  return [...out.entries()].map(([index, problems]) => ({
    index,
    code: 'APIGW_SPEC_INVALID',
    message: problems.map((p) => p.message).join('; '),
    problems,
  }));
}

/** The rows of the named resources of one kind that exist, as the batch sees them. */
function* lookupRows(ctx: BatchContext, kind: Kind, ids: Iterable<string>): Step<ResourceRow[]> {
  const found: ResourceRow[] = [];
  for (const id of ids) {
    const cached = yield* lookup(ctx, kind, id);
    if (cached) found.push(cached.row);
  }
  return found;
}

/** Above this many touched routes, the route clash check scans for shared routes once instead of querying each. */
const SHARED_ROUTE_SCAN = 32;

/**
 * Rows as rule resources, each once, with the touched ones last: a touched
 * row carries the index of the operation that wrote it, any other row is
 * context. An API's stored definition has no stages; the rules a batch runs
 * do not read them (publishing is checked apart).
 */
function touchedLast<K extends Kind>(ctx: BatchContext, rows: readonly ResourceRow[], touched: readonly { id: string; index: number }[]): RuleResource<K, number>[] {
  const byId = new Map(touched.map((t) => [t.id, t.index]));
  const seen = new Set<string>();
  const context: RuleResource<K, number>[] = [];
  const written: RuleResource<K, number>[] = [];
  for (const row of rows) {
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    const index = byId.get(row.id);
    const spec = parsedRow<KindSpecs[K]>(ctx, row);
    if (index === undefined) context.push({ spec });
    else written.push({ spec, place: index });
  }
  return [...context, ...written];
}
