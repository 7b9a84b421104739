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
 * timestamp check. The file holds nothing durable: WAL with
 * `synchronous=NORMAL` (no fsync per request, never corrupted by a crash).
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openSharedScratchFile } from '../store/sqlite';
import type { NonceLedger, NonceVerdict } from './nonce-store';

/** Name of the shared nonce file in a gateway's data directory. */
export const NONCE_FILE = 'nonces.db';

/** Options of SharedNonceStore. */
export interface SharedNonceStoreOptions {
  /** How long a nonce is remembered after its timestamp, in ms. @default 900000 (15 minutes) */
  readonly windowMs?: number;
  /** How often expired nonces are deleted, in ms. @default 60000 */
  readonly pruneEveryMs?: number;
}

/** A NonceLedger in a SQLite file shared by processes. */
export class SharedNonceStore implements NonceLedger {
  private readonly db: DatabaseSync;
  private readonly insert: StatementSync;
  private readonly prune: StatementSync;
  private readonly windowMs: number;
  private readonly pruneEveryMs: number;
  private prunedAt = 0;

  constructor(file: string, options: SharedNonceStoreOptions = {}) {
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.pruneEveryMs = options.pruneEveryMs ?? 60_000;
    this.db = openSharedScratchFile(file);
    this.db.exec('CREATE TABLE IF NOT EXISTS nonces (key TEXT PRIMARY KEY, ts INTEGER NOT NULL) WITHOUT ROWID');
    this.db.exec('CREATE INDEX IF NOT EXISTS nonces_by_ts ON nonces (ts)');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO nonces (key, ts) VALUES (?, ?)');
    this.prune = this.db.prepare('DELETE FROM nonces WHERE ts < ?');
  }

  check(key: string, timestamp: number, now: number = Date.now()): NonceVerdict {
    if (now - this.prunedAt >= this.pruneEveryMs) {
      this.prunedAt = now;
      this.prune.run(now - this.windowMs);
    }
    return Number(this.insert.run(key, timestamp).changes) === 1 ? 'OK' : 'USED';
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
