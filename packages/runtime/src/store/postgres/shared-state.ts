/**
 * Per-request state every gateway node shares, in the store's database:
 * anti-replay nonces (each accepted once across all nodes) and
 * traffic-control counts (a limit holds across all nodes). Both tables
 * are UNLOGGED: nothing in them must survive a database crash (a nonce
 * older than the timestamp window is refused by its timestamp; a count
 * restarts with its window), and no WAL is written per request.
 *
 * Each answer is one statement on a connection of the node's pool: an
 * INSERT ... ON CONFLICT that decides atomically, whichever node asks.
 */
import type pg from 'pg';
import type { NonceLedger, NonceVerdict } from '../../dataplane/nonce-store';
import type { CounterVerdict, RateCounter } from '../../dataplane/plugins/rate-counter';
import { storeFailure } from './failures';

/** How often rows that can no longer matter are deleted, in ms. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Longest wait for one answer of the shared state (a free connection of
 * the pool and the statement), in ms. A request waits for it before its
 * backend is called, so a database that is away or stalled must cost the
 * caller a prompt 503, not a hung request.
 */
export const SHARED_STATE_TIMEOUT_MS = 2000;

/**
 * Runs one statement of the shared state within `timeoutMs`. An outage
 * (connection refused, server shut down, no answer in time) rejects with
 * RuntimeError(APIGW_STORE_UNAVAILABLE), which the data plane answers with
 * 503 X503SU; a statement the server refuses otherwise is a bug, and
 * rejects with APIGW_INTERNAL and its SQLSTATE (see storeFailure). The
 * statement a timeout abandons still ends on its own connection (an INSERT
 * that lands late only spends a nonce or one call).
 */
async function bounded<R extends pg.QueryResultRow>(pool: pg.Pool, query: pg.QueryConfig, timeoutMs: number): Promise<pg.QueryResult<R>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([pool.query<R>(query), timeout]);
  } catch (error) {
    const what = `the shared state (${query.name ?? 'query'})`;
    throw storeFailure(error, what, `${what} cannot be reached`);
  } finally {
    clearTimeout(timer);
  }
}

/** Anti-replay nonces shared by every node of one store. */
export class PostgresNonceLedger implements NonceLedger {
  private prunedAt = 0;

  constructor(
    private readonly pool: pg.Pool,
    /** How long a nonce is remembered after its timestamp, in ms. */
    private readonly windowMs = 15 * 60_000,
    /** Longest wait for the ledger's answer, in ms. */
    private readonly timeoutMs = SHARED_STATE_TIMEOUT_MS,
  ) {}

  /**
   * Records `key` (AppKey and nonce) used by a request stamped `timestamp`;
   * USED when any node recorded it already within the window.
   */
  async check(key: string, timestamp: number, now: number = Date.now()): Promise<NonceVerdict> {
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await bounded(this.pool, { name: 'apigw_prune_nonces', text: 'DELETE FROM nonces WHERE ts < $1', values: [now - this.windowMs] }, this.timeoutMs);
    }
    const result = await bounded(this.pool, { name: 'apigw_nonce', text: 'INSERT INTO nonces (key, ts) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', values: [key, timestamp] }, this.timeoutMs);
    return result.rowCount === 1 ? 'OK' : 'USED';
  }
}

/** Traffic-control counts shared by every node of one store (see RateCounter). */
export class PostgresRateCounter implements RateCounter {
  private prunedAt = 0;

  constructor(
    private readonly pool: pg.Pool,
    /** Longest wait for the counter's answer, in ms. */
    private readonly timeoutMs = SHARED_STATE_TIMEOUT_MS,
  ) {}

  async consume(key: string, windowStart: number, windowEnd: number, limit: number): Promise<CounterVerdict> {
    if (windowStart - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = windowStart;
      await bounded(this.pool, { name: 'apigw_prune_counts', text: 'DELETE FROM counts WHERE ends <= $1', values: [windowStart] }, this.timeoutMs);
    }
    if (limit <= 0) return { allowed: false, remaining: 0, resetAt: windowEnd };
    // Counts the call when the row is of an earlier window (restart at 1) or under the limit; otherwise nothing returns.
    const result = await bounded<{ n: number }>(this.pool, {
      name: 'apigw_count',
      text:
        'INSERT INTO counts (key, win, ends, n) VALUES ($1, $2, $3, 1) ' +
        'ON CONFLICT (key) DO UPDATE SET n = CASE WHEN counts.win = excluded.win THEN counts.n + 1 ELSE 1 END, win = excluded.win, ends = excluded.ends ' +
        'WHERE counts.win <> excluded.win OR counts.n < $4 RETURNING n',
      values: [key, windowStart, windowEnd, limit],
    }, this.timeoutMs);
    const row = result.rows[0];
    if (row === undefined) return { allowed: false, remaining: 0, resetAt: windowEnd };
    return { allowed: true, remaining: Math.max(0, limit - Number(row.n)), resetAt: windowEnd };
  }
}
