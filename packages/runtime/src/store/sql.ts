/**
 * The statement layer: what the batch engine, the view builder and the
 * state writer ask of the database, as named steps over the statement
 * table (see statements.ts); a write is a query (or a list of them) for
 * the step to yield. It holds no connection: the engine that runs a step
 * answers its queries, inside whatever transaction it opened.
 */
import type { Kind, Stage } from '@apigw/schema';
import { row, rows, write, type CredentialsRow, type PreviousCredentials, type PublishedHead, type PublishedRow, type Query, type Ref, type ResourceRow, type Step } from './statements';

/** The store's queries and writes, engine-neutral. */
export const sql = {
  /** The current revision. */
  *revision(): Step<number> {
    return Number((yield* row('revision'))?.value ?? 0);
  },
  /** The current revision, locked for the writer until its transaction ends. */
  *lockRevision(): Step<number> {
    return Number((yield* row('lockRevision'))?.value ?? 0);
  },
  setRevision(value: number): Query {
    return write('setRevision', value);
  },
  /** The random id the store was given when it was made (see GatewayStore.id). */
  *storeId(): Step<string> {
    return (yield* row('storeId'))?.value ?? '';
  },
  /** Next value of a named counter (first value: start + 1). */
  *nextCounter(name: string, start: number): Step<number> {
    const found = yield* row('counter', name);
    const value = (found ? Number(found.value) : start) + 1;
    yield write('setCounter', name, value);
    return value;
  },
  /** The oldest revision the change log answers from (see GatewayStore.getChanges). */
  *changesFloor(): Step<number> {
    const found = yield* row('counter', 'changes_floor');
    return found ? Number(found.value) : 0;
  },
  /** Forgets deletions up to revision `upTo`; the change log then answers from `upTo` on. */
  pruneChanges(upTo: number): Query[] {
    return [write('pruneTombstones', upTo), write('setCounter', 'changes_floor', upTo)];
  },

  resource(kind: Kind, id: string): Step<ResourceRow | undefined> {
    return row('resource', kind, id);
  },
  /** The resources of those named that exist, in no order (one statement, however many). */
  *resources(keys: readonly Ref[]): Step<ResourceRow[]> {
    if (keys.length === 0) return [];
    return yield* rows('resourcesByKey', JSON.stringify(keys.map((k) => [k.kind, k.id])));
  },
  allResources(): Step<ResourceRow[]> {
    return rows('allResources');
  },
  resourcesExceptApis(): Step<ResourceRow[]> {
    return rows('resourcesExceptApis');
  },
  resourcesOfKind(kind: Kind): Step<ResourceRow[]> {
    return rows('resourcesOfKind', kind);
  },
  resourcesOfStack(stack: string): Step<ResourceRow[]> {
    return rows('resourcesOfStack', stack);
  },
  /** Route keys more than one API has. */
  *sharedApiRoutes(): Step<string[]> {
    return (yield* rows('sharedApiRoutes')).map((r) => r.route);
  },
  /** APIs with one route key (see routeKey). */
  apisByRoute(route: string): Step<ResourceRow[]> {
    return rows('apisByRoute', route);
  },
  /** Resources whose state-read form changed after revision `since`, in kind and id order. */
  changedResources(since: number): Step<ResourceRow[]> {
    return rows('changedResources', since);
  },
  /** Resources but APIs changed after revision `since` (see changedResources). */
  changedExceptApis(since: number): Step<ResourceRow[]> {
    return rows('changedExceptApis', since);
  },
  /** Ids of the APIs changed after revision `since`. */
  *changedApiIds(since: number): Step<string[]> {
    return (yield* rows('changedApiIds', since)).map((r) => r.id);
  },
  /** The published revisions of the APIs changed after revision `since`. */
  publishedOfChanged(since: number): Step<PublishedRow[]> {
    return rows('publishedOfChanged', since);
  },
  /** publishedOfChanged without the definitions (for a reader that holds most of them already). */
  publishedHeadsOfChanged(since: number): Step<PublishedHead[]> {
    return rows('publishedHeadsOfChanged', since);
  },
  /** Resources deleted after revision `since`. */
  tombstonesSince(since: number): Step<Ref[]> {
    return rows('tombstonesSince', since);
  },
  /**
   * Inserts a resource written at revision `rev`; `route` is an API's route
   * key and `digest` its digest, null for other kinds.
   */
  insertResource(kind: Kind, id: string, stack: string | null, spec: string, now: string, route: string | null, digest: string | null, rev: number): Query {
    // A tombstone of an earlier resource with this identity may stay: readers apply deletions before changes.
    return write('insertResource', kind, id, stack, spec, now, now, route, digest, rev);
  },
  updateResource(kind: Kind, id: string, spec: string, now: string, route: string | null, digest: string | null, rev: number): Query {
    return write('updateResource', spec, now, route, digest, rev, kind, id);
  },
  setOwner(kind: Kind, id: string, stack: string | null, now: string, rev: number): Query {
    return write('setOwner', stack, now, rev, kind, id);
  },
  /** Marks a resource changed at revision `rev` (its published revisions or credentials changed). */
  touch(kind: Kind, id: string, rev: number): Query {
    return write('touch', rev, kind, id);
  },
  /** Deletes a resource at revision `rev`, leaving a tombstone for the change log. */
  deleteResource(kind: Kind, id: string, rev: number): Query[] {
    return [write('deleteResource', kind, id), write('deleteRefs', kind, id), write('insertTombstone', kind, id, rev)];
  },
  /** Records what a resource refers to, replacing what it referred to before (`fresh`: a new resource, nothing to replace). */
  setRefs(kind: Kind, id: string, refs: readonly Ref[], fresh = false): Query[] {
    const writes = fresh ? [] : [write('deleteRefs', kind, id)];
    for (const ref of refs) writes.push(write('insertRef', kind, id, ref.kind, ref.id));
    return writes;
  },
  usersOf(kind: Kind, id: string): Step<Ref[]> {
    return rows('usersOf', kind, id);
  },

  published(api: string, stage: Stage): Step<PublishedRow | undefined> {
    return row('published', api, stage);
  },
  publishedOf(api: string): Step<PublishedRow[]> {
    return rows('publishedOf', api);
  },
  allPublished(): Step<PublishedRow[]> {
    return rows('allPublished');
  },
  /** Published revisions with one route key in one stage. */
  publishedByRoute(route: string, stage: Stage): Step<PublishedRow[]> {
    return rows('publishedByRoute', route, stage);
  },
  /** Route keys and stages more than one published revision has, as `route NUL stage`. */
  *sharedPublishedRoutes(): Step<string[]> {
    return (yield* rows('sharedPublishedRoutes')).map((r) => `${r.route}\u0000${r.stage}`);
  },
  *countPublishedByRoute(route: string, stage: Stage): Step<number> {
    return Number((yield* row('countPublishedByRoute', route, stage))?.n ?? 0);
  },
  publishedByBackend(backend: string): Step<PublishedRow[]> {
    return rows('publishedByBackend', backend);
  },
  publishedByBackendStage(backend: string, stage: Stage): Step<PublishedRow[]> {
    return rows('publishedByBackendStage', backend, stage);
  },
  upsertPublished(p: PublishedRow): Query {
    return write('upsertPublished', p.api, p.stage, p.route, p.backend, p.digest, p.definition, p.published_at);
  },
  deletePublished(api: string, stage: Stage): Query {
    return write('deletePublished', api, stage);
  },
  deletePublishedOf(api: string): Query {
    return write('deletePublishedOf', api);
  },

  credentials(app: string): Step<CredentialsRow | undefined> {
    return row('credentials', app);
  },
  *credentialsByKey(appKey: string): Step<boolean> {
    return (yield* row('credentialsByKey', appKey)) !== undefined;
  },
  allCredentials(): Step<CredentialsRow[]> {
    return rows('allCredentials');
  },
  insertCredentials(c: CredentialsRow): Query {
    return write('insertCredentials', c.app, c.app_id, c.app_key, c.app_secret, c.app_code);
  },
  /** New AppSecret and AppCode; `previous` keeps the replaced pair accepted for a while (null: not at all). */
  rotateCredentials(app: string, secret: string, code: string, previous: PreviousCredentials | null, rotatedAt: string): Query {
    return write('rotateCredentials', secret, code, previous?.secret ?? null, previous?.code ?? null, previous?.until ?? null, rotatedAt, app);
  },
  deleteCredentials(app: string): Query {
    return write('deleteCredentials', app);
  },
};
