/**
 * The live-state writer: LiveState, LiveStateChanges and LiveResource as
 * JSON text, built from the stored canonical JSON without parsing it (what
 * `GET /v1/state` sends). Each reader is a step run inside the engine's
 * read transaction, so it sees a single revision.
 */
import { KINDS, STAGES, hasCredentials, kindInfo, type Kind } from '@apigw/schema';
import type { GetStateOptions } from '../client/gateway-client';
import { RuntimeError } from '../errors';
import type { AppCredentials } from '../model';
import { digestOf } from './digest';
import { publicSpecText } from './secrets';
import { sql } from './sql';
import type { CredentialsRow, PublishedRow, ResourceRow, Step } from './statements';

/** The live state (or one stack's share of it) as JSON text. */
export function* stateText(options: GetStateOptions = {}): Step<string> {
  const rows = options.stack === undefined ? yield* sql.allResources() : yield* sql.resourcesOfStack(options.stack);
  const published = groupPublished(yield* sql.allPublished());
  const credentials = new Map((yield* sql.allCredentials()).map((c) => [c.app, c]));
  const collections = new StateCollections();
  for (const row of rows) collections.add(row.kind, liveJson(row, published.get(row.id), credentials.get(row.id)));
  return `{"revision":${yield* sql.revision()},${collections.json()}}`;
}

/**
 * What changed since revision `since` as JSON text (see LiveStateChanges),
 * or undefined when the change log does not reach back that far (or
 * `since` is ahead of the store).
 */
export function* changesText(since: number, options: GetStateOptions = {}): Step<string | undefined> {
  const revision = yield* sql.revision();
  if (!Number.isSafeInteger(since) || since > revision || since < (yield* sql.changesFloor())) return undefined;
  const collections = new StateCollections();
  const deleted: string[] = [];
  const gone = (kind: Kind, id: string) => deleted.push(`{"kind":${JSON.stringify(kind)},"id":${JSON.stringify(id)}}`);
  for (const t of yield* sql.tombstonesSince(since)) gone(t.kind, t.id);
  for (const row of yield* sql.changedResources(since)) {
    // A resource that left the stack is gone from the stack's share.
    if (options.stack !== undefined && row.stack !== options.stack) gone(row.kind, row.id);
    else collections.add(row.kind, yield* resourceJson(row));
  }
  return `{"revision":${revision},"since":${since},"changed":{${collections.json()}},"deleted":[${deleted.join(',')}]}`;
}

/** One live resource as JSON text, or undefined. */
export function* resourceText(kind: Kind, id: string): Step<string | undefined> {
  const row = yield* sql.resource(kind, id);
  return row ? yield* resourceJson(row) : undefined;
}

/** An app's credentials; throws RuntimeError(APIGW_NOT_FOUND) when the app does not exist. */
export function* appCredentials(app: string): Step<AppCredentials> {
  const row = yield* sql.credentials(app);
  if (!row) throw new RuntimeError('APIGW_NOT_FOUND', `app ${app} does not exist`);
  return {
    app: row.app,
    appKey: row.app_key,
    appSecret: row.app_secret,
    appCode: row.app_code,
    appId: row.app_id,
    ...(row.rotated_at ? { rotatedAt: row.rotated_at } : {}),
    ...(row.previous_until != null ? { previousValidUntil: new Date(Number(row.previous_until)).toISOString() } : {}),
  };
}

function* resourceJson(row: ResourceRow): Step<string> {
  return liveJson(row, row.kind === 'api' ? yield* sql.publishedOf(row.id) : undefined, hasCredentials(row.kind) ? yield* sql.credentials(row.id) : undefined);
}

function groupPublished(rows: readonly PublishedRow[]): Map<string, PublishedRow[]> {
  const map = new Map<string, PublishedRow[]>();
  for (const row of rows) {
    const list = map.get(row.api);
    if (list) list.push(row);
    else map.set(row.api, [row]);
  }
  return map;
}

/** LiveState collections as JSON text, filled one resource at a time, written in KINDS order. */
class StateCollections {
  private readonly lists = new Map<Kind, string[]>(KINDS.map((k) => [k.kind, []]));

  add(kind: Kind, json: string): void {
    this.lists.get(kind)?.push(json);
  }

  /** `"vpcAccesses":[...],...,"authorizations":[...]`. */
  json(): string {
    return [...this.lists].map(([kind, list]) => `"${kindInfo(kind).collection}":[${list.join(',')}]`).join(',');
  }
}

/**
 * One LiveResource (LiveApi, LiveApp) as JSON text. The spec column holds
 * canonical JSON, so it is spliced in as is; the text parses to the object
 * a state read returns.
 */
function liveJson(row: ResourceRow, published: readonly PublishedRow[] | undefined, credentials: CredentialsRow | undefined): string {
  const q = JSON.stringify;
  const head = `{"kind":${q(row.kind)},"id":${q(row.id)},"stack":${q(row.stack)},"createdAt":${q(row.created_at)},"updatedAt":${q(row.updated_at)},"spec":${publicSpecText(row.kind, row.spec)}`;
  if (row.kind === 'api') {
    let stages = '';
    for (const stage of STAGES) {
      const p = published?.find((r) => r.stage === stage);
      if (p) stages += `${stages === '' ? '' : ','}"${stage}":{"digest":${q(p.digest)},"publishedAt":${q(p.published_at)}}`;
    }
    return `${head},"digest":${q(row.digest ?? digestOf(row.spec))},"published":{${stages}}}`;
  }
  if (hasCredentials(row.kind))
    return `${head},"appKey":${q(credentials?.app_key ?? '')}${credentials ? `,"appId":${credentials.app_id}` : ''}${credentials?.rotated_at ? `,"rotatedAt":${q(credentials.rotated_at)}` : ''}}`;
  return `${head}}`;
}
