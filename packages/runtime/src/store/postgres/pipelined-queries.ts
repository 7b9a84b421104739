/**
 * How the PostgreSQL engine answers the statement layer's queries inside
 * one transaction, in few round trips. The batch engine yields one query
 * at a time (see statements.ts); run one by one, a batch of 40,000
 * operations would wait for some 80,000 answers. Here:
 *
 * - Rows of an `INSERT … VALUES (?, …)` statement are held back and sent
 *   as one `INSERT … SELECT * FROM unnest($1::type[], …)` per statement:
 *   every insert of a run into one table becomes a single statement.
 * - Every other write is sent without waiting for its answer (the pool is
 *   in pipeline mode), since it returns no rows.
 * - A read, and any statement on a table with rows held back for another
 *   statement, first sends what is held back; the server answers in
 *   order, so a read sees every write the batch made before it.
 *
 * Holding inserts back reorders writes only across tables (no foreign
 * keys, no triggers: writes to different tables commute); within a table,
 * statements keep their order. A held-back run that inserts one key twice
 * keeps the last row where the statement updates on conflict, as running
 * them one after the other would.
 */
import type pg from 'pg';
import { isWrite, postgresText, STATEMENTS, type Query, type SqlValue, type StatementName } from '../statements';

/** Column types of the store's tables (`table` -> `column` -> type name, e.g. `int8`), read once from the catalog. */
export type ColumnTypes = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** Reads the column types of the tables in `schema`. */
export async function readColumnTypes(client: pg.ClientBase, schema: string): Promise<ColumnTypes> {
  const result = await client.query<{ table_name: string; column_name: string; udt_name: string }>(
    'SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = $1',
    [schema],
  );
  const types = new Map<string, Map<string, string>>();
  for (const row of result.rows) {
    let table = types.get(row.table_name);
    if (!table) types.set(row.table_name, (table = new Map()));
    table.set(row.column_name, row.udt_name);
  }
  return types;
}

/** An INSERT statement's multi-row form. */
interface ManyRows {
  readonly table: string;
  readonly text: string;
  /** Positions of the conflict target's columns, when a conflict updates the row: a later row with the same key replaces an earlier one. */
  readonly key?: readonly number[];
}

const INSERT = /^INSERT INTO (\w+) \(([\w, ]+)\) VALUES \((\?(?:, \?)*)\)( ON CONFLICT(?: \(([\w, ]+)\))? DO (?:NOTHING|UPDATE SET (.*)))?$/s;

/**
 * The multi-row form of a statement, or undefined when it has none: only
 * a plain `INSERT … VALUES (?, …)` with one placeholder per column, whose
 * conflict clause (if any) does nothing or sets columns to `excluded`
 * values only (so that keeping the last of two rows with one key is what
 * running both would leave).
 */
function manyRows(name: StatementName, types: ColumnTypes): ManyRows | undefined {
  const statement: { readonly sql: string; readonly pg?: string } = STATEMENTS[name];
  if (statement.pg !== undefined) return undefined;
  const match = INSERT.exec(statement.sql);
  if (!match) return undefined;
  const [, table, columnList, placeholders, conflict, target, sets] = match as unknown as [string, string, string, string, string | undefined, string | undefined, string | undefined];
  const columns = columnList.split(', ');
  const columnTypes = types.get(table);
  if (columns.length !== placeholders.split(', ').length || !columnTypes || columns.some((c) => !columnTypes.has(c))) return undefined;
  if (sets !== undefined && !sets.split(', ').every((s) => /^(\w+) = excluded\.\1$/.test(s))) return undefined;
  const arrays = columns.map((c, i) => `$${i + 1}::${columnTypes.get(c)}[]`).join(', ');
  const text = `INSERT INTO ${table} (${columnList}) SELECT * FROM unnest(${arrays})${conflict ?? ''}`;
  if (sets === undefined) return { table, text };
  if (target === undefined) return undefined;
  return { table, text, key: target.split(', ').map((c) => columns.indexOf(c)) };
}

/** Rows held back for one statement. */
interface HeldRows {
  readonly name: StatementName;
  readonly form: ManyRows;
  /** Rows by key (the conflict target's values; the row's position when rows are never replaced). */
  readonly rows: Map<string, readonly SqlValue[]>;
}

/**
 * Answers the queries of one transaction on one connection of a pipelined
 * pool (see the file's comment). A failed write is reported by the next
 * read (the first failure, not the aborted transaction's later refusals)
 * or by settle(), which the caller awaits before COMMIT.
 */
export class PipelinedQueries {
  private readonly held = new Map<string, HeldRows>();
  private last: Promise<unknown> = Promise.resolve();
  private failure: { readonly error: unknown } | undefined;
  private readonly forms = new Map<StatementName, ManyRows | undefined>();

  constructor(
    private readonly client: pg.PoolClient,
    private readonly types: ColumnTypes | undefined,
  ) {}

  readonly execute = async (query: Query): Promise<unknown[]> => {
    const form = this.formOf(query.name);
    if (form) {
      this.hold(query, form);
      return [];
    }
    this.flush();
    const sent = this.client.query({ name: `apigw_${query.name}`, text: postgresText(query.name), values: [...query.params] });
    if (isWrite(query.name)) {
      this.track(sent);
      return [];
    }
    try {
      return (await sent).rows;
    } catch (error) {
      await this.settle();
      throw error;
    }
  };

  /**
   * Sends what is held back and waits for every write; throws the first
   * that failed. Needed before COMMIT: PostgreSQL ends a failed
   * transaction's COMMIT with a rollback and no error.
   */
  async settle(): Promise<void> {
    this.flush();
    await this.last;
    if (this.failure) throw this.failure.error;
  }

  private formOf(name: StatementName): ManyRows | undefined {
    if (!this.types) return undefined;
    if (!this.forms.has(name)) this.forms.set(name, manyRows(name, this.types));
    return this.forms.get(name);
  }

  private hold(query: Query, form: ManyRows): void {
    let held = this.held.get(form.table);
    if (held && held.name !== query.name) {
      this.flush();
      held = undefined;
    }
    if (!held) this.held.set(form.table, (held = { name: query.name, form, rows: new Map() }));
    const key = form.key ? JSON.stringify(form.key.map((i) => query.params[i])) : String(held.rows.size);
    // A replaced row moves to the end, as the later statement would have run after the rows between.
    held.rows.delete(key);
    held.rows.set(key, query.params);
  }

  /** Sends every held-back run of rows, one statement each. */
  private flush(): void {
    for (const held of this.held.values()) {
      const rows = [...held.rows.values()];
      const columns = rows[0]!.map((_, i) => rows.map((row) => row[i] ?? null));
      this.track(this.client.query({ name: `apigw_${held.name}_rows`, text: held.form.text, values: columns }));
    }
    this.held.clear();
  }

  private track(sent: Promise<unknown>): void {
    this.last = sent.then(undefined, (error: unknown) => {
      this.failure ??= { error };
    });
  }
}
