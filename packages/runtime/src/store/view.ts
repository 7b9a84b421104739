/**
 * The StateView of the last revision read, kept between reads and brought
 * up to date from the change log: after a commit only the resources the
 * commit wrote are read and parsed again, so the cost of a view follows the
 * size of the change, not of the state.
 */
import { STAGES, hasCredentials, type ApiGroup, type App, type Authorization, type BackendService, type Kind, type Plugin, type PluginAttachment, type VpcAccess } from '@apigw/schema';
import type { ApiDefinition, StateView } from '../model';
import { sql } from './sql';
import type { CredentialsRow, PublishedRow, ResourceRow, Step } from './statements';

type ViewApp = StateView['apps'][number];
type ViewPublished = StateView['published'][number];

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

function viewApp(row: ResourceRow, c: CredentialsRow): ViewApp {
  const app = { ...(JSON.parse(row.spec) as App), appKey: c.app_key, appSecret: c.app_secret, appCode: c.app_code, appId: c.app_id };
  return c.previous_secret && c.previous_code && c.previous_until != null ? { ...app, previous: { appSecret: c.previous_secret, appCode: c.previous_code, until: Number(c.previous_until) } } : app;
}

/** The cached view of one store connection. */
export class ViewCache {
  private revision = -1;
  private view: StateView | undefined;
  private readonly groups = new Table<ApiGroup>();
  private readonly backendServices = new Table<BackendService>();
  private readonly vpcAccesses = new Table<VpcAccess>();
  private readonly apps = new Table<ViewApp>();
  private readonly authorizations = new Table<Authorization>();
  private readonly plugins = new Table<Plugin>();
  private readonly pluginAttachments = new Table<PluginAttachment>();
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
    for (const p of yield* sql.allPublished()) this.setPublished(p, previous?.published.get(publishedKey(p.api, p.stage)), known);
    this.finish(revision);
  }

  private *patch(revision: number, known: ReadonlyMap<string, ApiDefinition>): Step<void> {
    const since = this.revision;
    // Everything is read before anything changes: a read that fails half-way leaves the cache as it was.
    const tombstones = yield* sql.tombstonesSince(since);
    const changed: [ResourceRow, CredentialsRow | undefined][] = [];
    for (const row of yield* sql.changedExceptApis(since)) changed.push([row, hasCredentials(row.kind) ? yield* sql.credentials(row.id) : undefined]);
    const changedApis = yield* sql.changedApiIds(since);
    const published = yield* sql.publishedOfChanged(since);
    for (const t of tombstones) this.remove(t.kind, t.id);
    for (const [row, credentials] of changed) this.setRow(row, credentials);
    // An API row changes with its published revisions: those of every changed API are read again.
    const before = new Map<string, (ViewPublished | undefined)[]>();
    for (const id of changedApis) {
      before.set(
        id,
        STAGES.map((stage) => this.published.get(publishedKey(id, stage))),
      );
      for (const stage of STAGES) this.published.delete(publishedKey(id, stage));
    }
    for (const p of published) this.setPublished(p, before.get(p.api)?.find((b) => b?.digest === p.digest), known);
    this.finish(revision);
  }

  private setRow(row: ResourceRow, credentials: CredentialsRow | undefined): void {
    switch (row.kind) {
      case 'group':
        this.groups.set(row.id, JSON.parse(row.spec) as ApiGroup);
        break;
      case 'backendService':
        this.backendServices.set(row.id, JSON.parse(row.spec) as BackendService);
        break;
      case 'vpcAccess':
        this.vpcAccesses.set(row.id, JSON.parse(row.spec) as VpcAccess);
        break;
      case 'authorization':
        this.authorizations.set(row.id, JSON.parse(row.spec) as Authorization);
        break;
      case 'plugin':
        this.plugins.set(row.id, JSON.parse(row.spec) as Plugin);
        break;
      case 'pluginAttachment':
        this.pluginAttachments.set(row.id, JSON.parse(row.spec) as PluginAttachment);
        break;
      case 'app':
        if (credentials) this.apps.set(row.id, viewApp(row, credentials));
        else this.apps.delete(row.id);
        break;
      default:
        break;
    }
  }

  /** A published revision; a definition never changes under its digest, so an earlier entry with the same digest is reused. */
  private setPublished(p: PublishedRow, earlier: ViewPublished | undefined, known: ReadonlyMap<string, ApiDefinition>): void {
    const entry = earlier && earlier.digest === p.digest && earlier.stage === p.stage ? earlier : undefined;
    const api = entry?.api ?? (earlier?.digest === p.digest ? earlier.api : (known.get(p.digest) ?? (JSON.parse(p.definition) as ApiDefinition)));
    this.published.set(publishedKey(p.api, p.stage), entry ?? { stage: p.stage, digest: p.digest, api });
  }

  private remove(kind: Kind, id: string): void {
    switch (kind) {
      case 'group':
        return this.groups.delete(id);
      case 'backendService':
        return this.backendServices.delete(id);
      case 'vpcAccess':
        return this.vpcAccesses.delete(id);
      case 'authorization':
        return this.authorizations.delete(id);
      case 'plugin':
        return this.plugins.delete(id);
      case 'pluginAttachment':
        return this.pluginAttachments.delete(id);
      case 'app':
        return this.apps.delete(id);
      case 'api':
        for (const stage of STAGES) this.published.delete(publishedKey(id, stage));
        return;
    }
  }

  private finish(revision: number): void {
    this.revision = revision;
    this.view = {
      revision,
      groups: this.groups.values(),
      backendServices: this.backendServices.values(),
      vpcAccesses: this.vpcAccesses.values(),
      published: this.published.values(),
      apps: this.apps.values(),
      authorizations: this.authorizations.values(),
      plugins: this.plugins.values(),
      pluginAttachments: this.pluginAttachments.values(),
    };
  }
}
