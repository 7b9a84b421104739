/**
 * Every SQL statement the store runs, in one typed table: each entry names
 * its parameters and the rows it returns, so the statement layer (StoreSql)
 * needs no casts and no lookups by string. The text is SQLite's; the
 * PostgreSQL engine numbers the `?` placeholders (`$1`, `$2`...) and uses
 * an entry's `pg` text where the dialects differ.
 *
 * Code that reads or writes the store is written once, as generator steps
 * (Step) that yield a Query and receive its rows: the SQLite engine runs
 * them synchronously, the PostgreSQL engine awaits each query. Both engines
 * thus share one batch engine, one view builder and one state writer.
 */
import type { Kind, Stage } from '@apigw/schema';

/** A value bound to a statement parameter. */
export type SqlValue = string | number | null;

/** One row of the resources table. */
export interface ResourceRow {
  kind: Kind;
  id: string;
  stack: string | null;
  spec: string;
  created_at: string;
  updated_at: string;
  /** Digest of an API's spec (see digestOf); null for other kinds. */
  digest: string | null;
}

/** One row of the published table. */
export interface PublishedRow {
  api: string;
  stage: Stage;
  route: string;
  backend: string;
  digest: string;
  definition: string;
  published_at: string;
}

/** A published revision without its definition text (what a reader that may already hold the definition asks for). */
export type PublishedHead = Omit<PublishedRow, 'definition'>;

/** One row of the credentials table. */
export interface CredentialsRow {
  app: string;
  app_id: number;
  app_key: string;
  app_secret: string;
  app_code: string;
  /** The AppSecret and AppCode replaced by the last rotation, accepted until `previous_until` (epoch ms); null without a grace period. */
  previous_secret: string | null;
  previous_code: string | null;
  previous_until: number | null;
  /** ISO 8601 time of the last rotation; null when never rotated. */
  rotated_at: string | null;
}

/** What a rotation keeps of the replaced credentials: accepted until `until` (epoch ms). */
export interface PreviousCredentials {
  readonly secret: string;
  readonly code: string;
  readonly until: number;
}

/** A reference from one resource's spec to another resource. */
export interface Ref {
  readonly kind: Kind;
  readonly id: string;
}

/** A statement's text and, as types only, its parameters and rows. */
export interface Statement<P extends readonly SqlValue[], R> {
  readonly sql: string;
  /** PostgreSQL's text when it is not `sql` with numbered placeholders. */
  readonly pg?: string;
  /** Never set: carries the parameter and row types. */
  readonly types?: (params: P) => R;
}

function statement<P extends readonly SqlValue[], R = never>(sql: string, pg?: string): Statement<P, R> {
  return pg === undefined ? { sql } : { sql, pg };
}

const RESOURCE = 'SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources';
const PUBLISHED = 'SELECT api, stage, route, backend, digest, definition, published_at FROM published';
const CREDENTIALS = 'SELECT app, app_id, app_key, app_secret, app_code, previous_secret, previous_code, previous_until, rotated_at FROM credentials';

/** The statement table. */
export const STATEMENTS = {
  revision: statement<[], { value: number }>('SELECT value FROM revision WHERE id = 1'),
  /** The revision, locked until the transaction ends: writers queue here, so revisions stay gap-free. */
  lockRevision: statement<[], { value: number }>('SELECT value FROM revision WHERE id = 1', 'SELECT value FROM revision WHERE id = 1 FOR UPDATE'),
  setRevision: statement<[value: number]>('UPDATE revision SET value = ? WHERE id = 1'),
  storeId: statement<[], { value: string }>("SELECT value FROM meta WHERE name = 'store_id'"),
  counter: statement<[name: string], { value: number }>('SELECT value FROM counters WHERE name = ?'),
  setCounter: statement<[name: string, value: number]>(
    'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  ),
  resource: statement<[kind: Kind, id: string], ResourceRow>(`${RESOURCE} WHERE kind = ? AND id = ?`),
  /** The resources named by a JSON array of `[kind, id]` pairs, in no order: one statement for many lookups. */
  resourcesByKey: statement<[keys: string], ResourceRow>(
    'SELECT r.kind, r.id, r.stack, r.spec, r.created_at, r.updated_at, r.digest FROM json_each(?) k CROSS JOIN resources r ON r.kind = k.value ->> 0 AND r.id = k.value ->> 1',
    'SELECT r.kind, r.id, r.stack, r.spec, r.created_at, r.updated_at, r.digest FROM jsonb_array_elements($1::jsonb) k JOIN resources r ON r.kind = k.value ->> 0 AND r.id = k.value ->> 1',
  ),
  allResources: statement<[], ResourceRow>(`${RESOURCE} ORDER BY kind, id`),
  resourcesExceptApis: statement<[], ResourceRow>(`${RESOURCE} WHERE kind <> 'api' ORDER BY kind, id`),
  resourcesOfKind: statement<[kind: Kind], ResourceRow>(`${RESOURCE} WHERE kind = ? ORDER BY id`),
  resourcesOfStack: statement<[stack: string], ResourceRow>(`${RESOURCE} WHERE stack = ? ORDER BY kind, id`),
  sharedApiRoutes: statement<[], { route: string }>("SELECT route FROM resources WHERE route IS NOT NULL AND kind = 'api' GROUP BY route HAVING count(*) > 1"),
  apisByRoute: statement<[route: string], ResourceRow>(`${RESOURCE} WHERE route = ? AND kind = 'api' ORDER BY id`),
  changedResources: statement<[since: number], ResourceRow>(`${RESOURCE} WHERE rev > ? ORDER BY kind, id`),
  changedExceptApis: statement<[since: number], ResourceRow>(`${RESOURCE} WHERE rev > ? AND kind <> 'api' ORDER BY kind, id`),
  changedApiIds: statement<[since: number], { id: string }>("SELECT id FROM resources WHERE rev > ? AND kind = 'api' ORDER BY id"),
  publishedOfChanged: statement<[since: number], PublishedRow>(
    "SELECT p.api, p.stage, p.route, p.backend, p.digest, p.definition, p.published_at FROM published p JOIN resources r ON r.kind = 'api' AND r.id = p.api WHERE r.rev > ? ORDER BY p.api, p.stage",
  ),
  publishedHeadsOfChanged: statement<[since: number], PublishedHead>(
    "SELECT p.api, p.stage, p.route, p.backend, p.digest, p.published_at FROM published p JOIN resources r ON r.kind = 'api' AND r.id = p.api WHERE r.rev > ? ORDER BY p.api, p.stage",
  ),
  insertResource: statement<[kind: Kind, id: string, stack: string | null, spec: string, createdAt: string, updatedAt: string, route: string | null, digest: string | null, rev: number]>(
    'INSERT INTO resources (kind, id, stack, spec, created_at, updated_at, route, digest, rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ),
  updateResource: statement<[spec: string, updatedAt: string, route: string | null, digest: string | null, rev: number, kind: Kind, id: string]>(
    'UPDATE resources SET spec = ?, updated_at = ?, route = ?, digest = ?, rev = ? WHERE kind = ? AND id = ?',
  ),
  setOwner: statement<[stack: string | null, updatedAt: string, rev: number, kind: Kind, id: string]>('UPDATE resources SET stack = ?, updated_at = ?, rev = ? WHERE kind = ? AND id = ?'),
  touch: statement<[rev: number, kind: Kind, id: string]>('UPDATE resources SET rev = ? WHERE kind = ? AND id = ?'),
  deleteResource: statement<[kind: Kind, id: string]>('DELETE FROM resources WHERE kind = ? AND id = ?'),
  insertTombstone: statement<[kind: Kind, id: string, rev: number]>(
    'INSERT INTO tombstones (kind, id, rev) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET rev = excluded.rev',
  ),
  tombstonesSince: statement<[since: number], Ref>('SELECT kind, id FROM tombstones WHERE rev > ? ORDER BY kind, id'),
  pruneTombstones: statement<[upTo: number]>('DELETE FROM tombstones WHERE rev <= ?'),
  deleteRefs: statement<[kind: Kind, id: string]>('DELETE FROM refs WHERE from_kind = ? AND from_id = ?'),
  insertRef: statement<[fromKind: Kind, fromId: string, toKind: Kind, toId: string]>(
    'INSERT INTO refs (from_kind, from_id, to_kind, to_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  ),
  usersOf: statement<[kind: Kind, id: string], Ref>('SELECT from_kind AS kind, from_id AS id FROM refs WHERE to_kind = ? AND to_id = ? ORDER BY from_kind, from_id'),
  published: statement<[api: string, stage: Stage], PublishedRow>(`${PUBLISHED} WHERE api = ? AND stage = ?`),
  publishedOf: statement<[api: string], PublishedRow>(`${PUBLISHED} WHERE api = ?`),
  allPublished: statement<[], PublishedRow>(`${PUBLISHED} ORDER BY api, stage`),
  sharedPublishedRoutes: statement<[], { route: string; stage: Stage }>('SELECT route, stage FROM published GROUP BY route, stage HAVING count(*) > 1'),
  countPublishedByRoute: statement<[route: string, stage: Stage], { n: number }>('SELECT count(*) AS n FROM published WHERE route = ? AND stage = ?'),
  publishedByRoute: statement<[route: string, stage: Stage], PublishedRow>(`${PUBLISHED} WHERE route = ? AND stage = ? ORDER BY api`),
  publishedByBackend: statement<[backend: string], PublishedRow>(`${PUBLISHED} WHERE backend = ? ORDER BY api, stage`),
  publishedByBackendStage: statement<[backend: string, stage: Stage], PublishedRow>(`${PUBLISHED} WHERE backend = ? AND stage = ? ORDER BY api`),
  upsertPublished: statement<[api: string, stage: Stage, route: string, backend: string, digest: string, definition: string, publishedAt: string]>(
    'INSERT INTO published (api, stage, route, backend, digest, definition, published_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (api, stage) DO UPDATE SET route = excluded.route, backend = excluded.backend, digest = excluded.digest, definition = excluded.definition, published_at = excluded.published_at',
  ),
  deletePublished: statement<[api: string, stage: Stage]>('DELETE FROM published WHERE api = ? AND stage = ?'),
  deletePublishedOf: statement<[api: string]>('DELETE FROM published WHERE api = ?'),
  credentials: statement<[app: string], CredentialsRow>(`${CREDENTIALS} WHERE app = ?`),
  credentialsByKey: statement<[appKey: string], { app: string }>('SELECT app FROM credentials WHERE app_key = ?'),
  allCredentials: statement<[], CredentialsRow>(CREDENTIALS),
  insertCredentials: statement<[app: string, appId: number, appKey: string, appSecret: string, appCode: string]>(
    'INSERT INTO credentials (app, app_id, app_key, app_secret, app_code) VALUES (?, ?, ?, ?, ?)',
  ),
  rotateCredentials: statement<[appSecret: string, appCode: string, previousSecret: string | null, previousCode: string | null, previousUntil: number | null, rotatedAt: string, app: string]>(
    'UPDATE credentials SET app_secret = ?, app_code = ?, previous_secret = ?, previous_code = ?, previous_until = ?, rotated_at = ? WHERE app = ?',
  ),
  deleteCredentials: statement<[app: string]>('DELETE FROM credentials WHERE app = ?'),
} as const;

/** The statements that only write (they return no rows): an engine may send them without waiting for their answer. */
const WRITES: ReadonlySet<string> = new Set(
  Object.entries(STATEMENTS)
    .filter(([, s]: [string, { readonly sql: string; readonly pg?: string }]) => [s.sql, s.pg ?? s.sql].every((text) => /^(INSERT|UPDATE|DELETE)\b/.test(text) && !/\bRETURNING\b/.test(text)))
    .map(([name]) => name),
);

/** Whether a statement only writes (returns no rows). */
export function isWrite(name: StatementName): boolean {
  return WRITES.has(name);
}

/** The name of a statement in the table. */
export type StatementName = keyof typeof STATEMENTS;
/** The parameters of a statement. */
export type ParamsOf<N extends StatementName> = (typeof STATEMENTS)[N] extends { readonly types?: (params: infer P extends readonly SqlValue[]) => unknown } ? P : never;
/** The rows a statement returns (never for one that returns none). */
export type RowOf<N extends StatementName> = (typeof STATEMENTS)[N] extends { readonly types?: (params: never) => infer R } ? R : never;

/** A statement to run with its parameters: what a Step yields. */
export interface Query {
  readonly name: StatementName;
  readonly params: readonly SqlValue[];
}

/** A piece of store code: yields queries, receives their rows, returns T. */
export type Step<T> = Generator<Query, T, unknown>;

/** Runs a statement; its rows. */
export function* rows<N extends StatementName>(name: N, ...params: ParamsOf<N>): Step<RowOf<N>[]> {
  // The engine answers a query with the rows of that very statement.
  return (yield { name, params }) as RowOf<N>[];
}

/** Runs a statement; its first row, if any. */
export function* row<N extends StatementName>(name: N, ...params: ParamsOf<N>): Step<RowOf<N> | undefined> {
  return ((yield { name, params }) as RowOf<N>[])[0];
}

/**
 * A statement that returns no rows, as the query a step yields
 * (`yield sql.touch(...)`; several: `yield* sql.setRefs(...)`). A write
 * needs no answer, so it is a value rather than a step of its own: no
 * generator is made for it, and no level of `yield*` is resumed for it.
 */
export function write<N extends StatementName>(name: N, ...params: ParamsOf<N>): Query {
  return { name, params };
}

/** The PostgreSQL text of a statement: its `pg` text, or its SQLite text with `?` numbered as `$1`, `$2`... */
export function postgresText(name: StatementName): string {
  const s: { readonly sql: string; readonly pg?: string } = STATEMENTS[name];
  if (s.pg !== undefined) return s.pg;
  let n = 0;
  return s.sql.replace(/\?/g, () => `$${++n}`);
}

/** Runs a step to its end with a synchronous executor (SQLite). */
export function runSync<T>(step: Step<T>, execute: (query: Query) => unknown[]): T {
  let next = step.next();
  while (!next.done) next = step.next(execute(next.value));
  return next.value;
}

/** Runs a step to its end with an asynchronous executor (PostgreSQL). */
export async function runAsync<T>(step: Step<T>, execute: (query: Query) => Promise<unknown[]>): Promise<T> {
  let next = step.next();
  while (!next.done) next = step.next(await execute(next.value));
  return next.value;
}
