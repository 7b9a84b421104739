/**
 * Anti-replay memory shared by every data-plane process of one gateway.
 *
 * With `apigw serve --workers N`, connections are spread over N processes;
 * a nonce remembered by one of them only would let a captured request be
 * replayed once against each of the others. This ledger keeps nonces in a
 * SQLite file that all workers open: `INSERT OR IGNORE` on the nonce's key
 * is atomic across processes, so a nonce is accepted exactly once however
 * the connections are spread.
 *
 * Entries are dropped once their timestamp is a window old; a replay of a
 * dropped nonce carries that same old timestamp and is refused by the
 * timestamp check. One app holds at most about `maxEntriesPerApp` entries:
 * beyond it its oldest are forgotten behind a per-app floor, so an app's
 * flood costs bounded disk and never refuses another app's requests. The file holds nothing durable: WAL with
 * `synchronous=NORMAL` (no fsync per request, never corrupted by a crash).
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openSharedFile } from '../store/sqlite';
import type { NonceLedger, NonceVerdict } from './nonce-store';

/** Name of the shared nonce file in a gateway's data directory. */
export const NONCE_FILE = 'nonces.db';

/** Options of SharedNonceStore. */
export interface SharedNonceStoreOptions {
  /** How long a nonce is remembered after its timestamp, in ms. @default 900000 (15 minutes) */
  readonly windowMs?: number;
  /** How often expired nonces are deleted, in ms. @default 60000 */
  readonly pruneEveryMs?: number;
  /**
   * Most nonces one app (the key's part before its first line break) keeps
   * in the file; beyond it the app's oldest half is forgotten behind a
   * floor, as in NonceStore. Counted every tenth of this many inserts of the
   * app per process, so an app may briefly exceed it. @default 100000
   */
  readonly maxEntriesPerApp?: number;
}

/** A NonceLedger in a SQLite file shared by processes. */
export class SharedNonceStore implements NonceLedger {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly prune: StatementSync;
  private readonly pruneFloors: StatementSync;
  private readonly countApp: StatementSync;
  private readonly nthOldest: StatementSync;
  private readonly forgetOlder: StatementSync;
  private readonly raiseFloor: StatementSync;
  private readonly windowMs: number;
  private readonly pruneEveryMs: number;
  private readonly maxEntriesPerApp: number;
  private readonly countEvery: number;
  /** Inserts per app by this process since its entries were last counted. */
  private readonly sinceCount = new Map<string, number>();
  private prunedAt = 0;

  constructor(file: string, options: SharedNonceStoreOptions = {}) {
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.pruneEveryMs = options.pruneEveryMs ?? 60_000;
    this.maxEntriesPerApp = options.maxEntriesPerApp ?? 100_000;
    this.countEvery = Math.min(1_000, Math.max(1, Math.floor(this.maxEntriesPerApp / 10)));
    this.db = openSharedFile(file, {
      durable: false,
      schema: [
        'CREATE TABLE IF NOT EXISTS nonces (key TEXT PRIMARY KEY, ts INTEGER NOT NULL) WITHOUT ROWID',
        'CREATE INDEX IF NOT EXISTS nonces_by_ts ON nonces (ts)',
        // Per app: the newest timestamp it has forgotten; its requests stamped at or before it are refused.
        'CREATE TABLE IF NOT EXISTS floors (app TEXT PRIMARY KEY, ts INTEGER NOT NULL) WITHOUT ROWID',
      ],
    });
    this.insert = this.db.prepare('INSERT OR IGNORE INTO nonces (key, ts) SELECT ?, ? WHERE ? > COALESCE((SELECT ts FROM floors WHERE app = ?), -1)');
    this.prune = this.db.prepare('DELETE FROM nonces WHERE ts < ?');
    this.pruneFloors = this.db.prepare('DELETE FROM floors WHERE ts < ?');
    // An app's keys are the range [app + "\n", app + "\v").
    this.countApp = this.db.prepare('SELECT count(*) AS n FROM nonces WHERE key >= ? AND key < ?');
    this.nthOldest = this.db.prepare('SELECT ts FROM nonces WHERE key >= ? AND key < ? ORDER BY ts LIMIT 1 OFFSET ?');
    this.forgetOlder = this.db.prepare('DELETE FROM nonces WHERE key >= ? AND key < ? AND ts <= ?');
    this.raiseFloor = this.db.prepare('INSERT INTO floors (app, ts) VALUES (?, ?) ON CONFLICT (app) DO UPDATE SET ts = max(ts, excluded.ts)');
  }

  check(key: string, timestamp: number, now: number = Date.now()): NonceVerdict {
    if (now - this.prunedAt >= this.pruneEveryMs) {
      this.prunedAt = now;
      this.prune.run(now - this.windowMs);
      this.pruneFloors.run(now - this.windowMs);
    }
    const cut = key.indexOf('\n');
    const app = cut === -1 ? key : key.slice(0, cut);
    if (Number(this.insert.run(key, timestamp, timestamp, app).changes) !== 1) return 'USED';
    const since = (this.sinceCount.get(app) ?? 0) + 1;
    if (since < this.countEvery) {
      this.sinceCount.set(app, since);
    } else {
      this.sinceCount.delete(app);
      this.bound(app);
    }
    return 'OK';
  }

  /**
   * Keeps one app within `maxEntriesPerApp`: when it holds more, its oldest
   * entries down to half the bound are forgotten and its floor is raised to
   * the newest forgotten timestamp, in one transaction (a replay of a
   * forgotten nonce carries a timestamp at or below the floor). Other apps'
   * entries and floors are untouched.
   */
  private bound(app: string): void {
    const from = app + '\n';
    const to = app + '\v';
    const n = Number((this.countApp.get(from, to) as { n: number }).n);
    if (n <= this.maxEntriesPerApp) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const row = this.nthOldest.get(from, to, n - Math.ceil(this.maxEntriesPerApp / 2) - 1) as { ts: number } | undefined;
      if (row !== undefined) {
        this.forgetOlder.run(from, to, row.ts);
        this.raiseFloor.run(app, row.ts);
      }
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
