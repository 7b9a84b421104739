/**
 * The StateView of the last revision read, kept between reads and brought
 * up to date from the change log: after a commit only the resources the
 * commit wrote are read and parsed again, so the cost of a view follows the
 * size of the change, not of the state.
 */
import { hasCredentials, KINDS, kindInfo, STAGES, type App, type KindInfo, type CollectionOf, type Kind, type KindSpecs } from '@apigw/schema';
import type { ApiDefinition, StateView } from '../model';
import { sql } from './sql';
import type { CredentialsRow, PublishedHead, ResourceRow, Step } from './statements';

type ViewApp = StateView['apps'][number];
type ViewPublished = StateView['published'][number];

/**
 * The kinds a view lists as stored, each under its collection's name:
 * every kind but APIs (the view serves their published revisions) and
 * apps (listed with their credentials).
 */
type StoredKind = Exclude<Kind, 'api' | 'app'>;

/** The part of a view that lists stored kinds, by collection. */
type StoredLists = { readonly [K in StoredKind as CollectionOf<K>]: readonly KindSpecs[K][] };

/** The kinds defined so far whose specs a view lists as stored (not APIs, not apps). */
function storedKinds(): readonly KindInfo[] {
  return KINDS.filter((k) => k.kind !== 'api' && k.kind !== 'app');
}

/** Values by id, listed in id order (the order of the store's queries); the list is rebuilt only after a change. */
class Table<T> {
  private readonly byId = new Map<string, T>();
  private readonly ids: string[] = [];
  private list: readonly T[] = [];
  private dirty = false;

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  set(id: string, value: T): void {
    if (!this.byId.has(id)) {
      const ids = this.ids;
      // Rows arrive in id order on a full read: appending is the common case.
      if (ids.length === 0 || ids[ids.length - 1]! < id) ids.push(id);
      else ids.splice(lowerBound(ids, id), 0, id);
    }
    this.byId.set(id, value);
    this.dirty = true;
  }

  delete(id: string): void {
    if (!this.byId.delete(id)) return;
    this.ids.splice(lowerBound(this.ids, id), 1);
    this.dirty = true;
  }

  /** The values in id order; the same array until the next change (views share it: never modify it). */
  values(): readonly T[] {
    if (this.dirty) {
      this.list = this.ids.map((id) => this.byId.get(id)!);
      this.dirty = false;
    }
    return this.list;
  }
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Key of a published revision: API id, NUL, stage (sorts like the store's `ORDER BY api, stage`). */
function publishedKey(api: string, stage: string): string {
  return `${api}\u0000${stage}`;
}

/**
 * A published revision's definition when it needs no parsing: a definition
 * never changes under its digest, so an earlier entry's with the same
 * digest, or one the writer already parsed (`known`, by digest).
 */
function reusedDefinition(p: PublishedHead, earlier: ViewPublished | undefined, known: ReadonlyMap<string, ApiDefinition>): ApiDefinition | undefined {
  return earlier?.digest === p.digest ? earlier.api : known.get(p.digest);
}

function viewApp(row: ResourceRow, c: CredentialsRow): ViewApp {
  const app = { ...(JSON.parse(row.spec) as App), appKey: c.app_key, appSecret: c.app_secret, appCode: c.app_code, appId: c.app_id };
  return c.previous_secret && c.previous_code && c.previous_until != null ? { ...app, previous: { appSecret: c.previous_secret, appCode: c.previous_code, until: Number(c.previous_until) } } : app;
}

/** The cached view of one store connection. */
export class ViewCache {
  private revision = -1;
  private view: StateView | undefined;
  /** Specs of the stored kinds, by kind. */
  private readonly stored = new Map<Kind, Table<unknown>>(storedKinds().map((k) => [k.kind, new Table<unknown>()]));
  private readonly apps = new Table<ViewApp>();
  private readonly published = new Table<ViewPublished>();

  /**
   * The view at the current revision, built from `cache` (the view last
   * read, or undefined) and `known` (definitions the writer already parsed,
   * by digest); runs inside the caller's read transaction. Reads everything
   * the first time, or when the change log no longer reaches back to the
   * cached revision; otherwise only what changed.
   */
  static *read(cache: ViewCache | undefined, known: ReadonlyMap<string, ApiDefinition>): Step<ViewCache> {
    const revision = yield* sql.revision();
    if (cache && cache.revision === revision && cache.view) return cache;
    if (cache && cache.revision >= 0 && cache.revision < revision && cache.revision >= (yield* sql.changesFloor())) {
      yield* cache.patch(revision, known);
      return cache;
    }
    const fresh = new ViewCache();
    yield* fresh.fill(revision, cache, known);
    return fresh;
  }

  /** The revision of the view. */
  get at(): number {
    return this.revision;
  }

  /** The view; shared between reads of the same revision (treat it as immutable). */
  get current(): StateView {
    return this.view!;
  }

  private *fill(revision: number, previous: ViewCache | undefined, known: ReadonlyMap<string, ApiDefinition>): Step<void> {
    const credentials = new Map((yield* sql.allCredentials()).map((c) => [c.app, c]));
    // APIs' current definitions are not served (their published revisions are), so they are not read.
    for (const row of yield* sql.resourcesExceptApis()) this.setRow(row, credentials.get(row.id));
    for (const p of yield* sql.allPublished()) {
      const earlier = previous?.published.get(publishedKey(p.api, p.stage));
      this.setPublished(p, earlier, reusedDefinition(p, earlier, known) ?? (JSON.parse(p.definition) as ApiDefinition));
    }
    this.finish(revision);
  }

  private *patch(revision: number, known: ReadonlyMap<string, ApiDefinition>): Step<void> {
    const since = this.revision;
    // Everything is read before anything changes: a read that fails half-way leaves the cache as it was.
    const tombstones = yield* sql.tombstonesSince(since);
    const changed: [ResourceRow, CredentialsRow | undefined][] = [];
    for (const row of yield* sql.changedExceptApis(since)) changed.push([row, hasCredentials(row.kind) ? yield* sql.credentials(row.id) : undefined]);
    const changedApis = yield* sql.changedApiIds(since);
    // An API row changes with its published revisions: those of every changed API are read again. Definitions
    // the view holds (none for a deleted API) or the writer parsed (`known`) are reused; the definitions' text is
    // read only when some are neither, so the writer's own view of a 20,000-revision commit does not read 9 MB back.
    const deletedApis = new Set(tombstones.filter((t) => t.kind === 'api').map((t) => t.id));
    const before = new Map<string, (ViewPublished | undefined)[]>();
    for (const id of changedApis)
      before.set(
        id,
        STAGES.map((stage) => (deletedApis.has(id) ? undefined : this.published.get(publishedKey(id, stage)))),
      );
    const heads = (yield* sql.publishedHeadsOfChanged(since)).map((p) => {
      const earlier = before.get(p.api)?.find((b) => b?.digest === p.digest);
      return { p, earlier, api: reusedDefinition(p, earlier, known) };
    });
    const texts = heads.some((h) => h.api === undefined)
      ? new Map((yield* sql.publishedOfChanged(since)).map((r) => [publishedKey(r.api, r.stage), r.definition]))
      : undefined;
    const published = heads.map((h) => ({ ...h, api: h.api ?? (JSON.parse(texts!.get(publishedKey(h.p.api, h.p.stage))!) as ApiDefinition) }));
    for (const t of tombstones) this.remove(t.kind, t.id);
    for (const [row, credentials] of changed) this.setRow(row, credentials);
    for (const id of changedApis) for (const stage of STAGES) this.published.delete(publishedKey(id, stage));
    for (const { p, earlier, api } of published) this.setPublished(p, earlier, api);
    this.finish(revision);
  }

  /** A resource row (never an API's: the view does not read them); an app without credentials leaves the view. */
  private setRow(row: ResourceRow, credentials: CredentialsRow | undefined): void {
    if (row.kind !== 'app') this.stored.get(row.kind)?.set(row.id, JSON.parse(row.spec));
    else if (credentials) this.apps.set(row.id, viewApp(row, credentials));
    else this.apps.delete(row.id);
  }

  /** A published revision with its definition; an earlier entry of the same stage and digest is kept as it is. */
  private setPublished(p: PublishedHead, earlier: ViewPublished | undefined, api: ApiDefinition): void {
    const entry = earlier && earlier.digest === p.digest && earlier.stage === p.stage ? earlier : undefined;
    this.published.set(publishedKey(p.api, p.stage), entry ?? { stage: p.stage, digest: p.digest, api });
  }

  private remove(kind: Kind, id: string): void {
    if (kind === 'api') for (const stage of STAGES) this.published.delete(publishedKey(id, stage));
    else if (kind === 'app') this.apps.delete(id);
    else this.stored.get(kind)?.delete(id);
  }

  private finish(revision: number): void {
    this.revision = revision;
    // Each stored kind's table holds the specs of that kind only (setRow files a row under its own kind).
    const lists = Object.fromEntries([...this.stored].map(([kind, table]) => [kindInfo(kind).collection, table.values()])) as unknown as StoredLists;
    this.view = { revision, ...lists, published: this.published.values(), apps: this.apps.values() };
  }
}
