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

/** How often rows that can no longer matter are deleted, in ms. */
const PRUNE_EVERY_MS = 60_000;

/** Anti-replay nonces shared by every node of one store. */
export class PostgresNonceLedger implements NonceLedger {
  private prunedAt = 0;

  constructor(
    private readonly pool: pg.Pool,
    /** How long a nonce is remembered after its timestamp, in ms. */
    private readonly windowMs = 15 * 60_000,
  ) {}

  /**
   * Records `key` (AppKey and nonce) used by a request stamped `timestamp`;
   * USED when any node recorded it already within the window.
   */
  async check(key: string, timestamp: number, now: number = Date.now()): Promise<NonceVerdict> {
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      await this.pool.query({ name: 'apigw_prune_nonces', text: 'DELETE FROM nonces WHERE ts < $1', values: [now - this.windowMs] });
    }
    const result = await this.pool.query({ name: 'apigw_nonce', text: 'INSERT INTO nonces (key, ts) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', values: [key, timestamp] });
    return result.rowCount === 1 ? 'OK' : 'USED';
  }
}

/** Traffic-control counts shared by every node of one store (see RateCounter). */
export class PostgresRateCounter implements RateCounter {
  private prunedAt = 0;

  constructor(private readonly pool: pg.Pool) {}

  async consume(key: string, windowStart: number, windowEnd: number, limit: number): Promise<CounterVerdict> {
    if (windowStart - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = windowStart;
      await this.pool.query({ name: 'apigw_prune_counts', text: 'DELETE FROM counts WHERE ends <= $1', values: [windowStart] });
    }
    if (limit <= 0) return { allowed: false, remaining: 0, resetAt: windowEnd };
    // Counts the call when the row is of an earlier window (restart at 1) or under the limit; otherwise nothing returns.
    const result = await this.pool.query<{ n: number }>({
      name: 'apigw_count',
      text:
        'INSERT INTO counts (key, win, ends, n) VALUES ($1, $2, $3, 1) ' +
        'ON CONFLICT (key) DO UPDATE SET n = CASE WHEN counts.win = excluded.win THEN counts.n + 1 ELSE 1 END, win = excluded.win, ends = excluded.ends ' +
        'WHERE counts.win <> excluded.win OR counts.n < $4 RETURNING n',
      values: [key, windowStart, windowEnd, limit],
    });
    const row = result.rows[0];
    if (row === undefined) return { allowed: false, remaining: 0, resetAt: windowEnd };
    return { allowed: true, remaining: Math.max(0, limit - Number(row.n)), resetAt: windowEnd };
  }
}
