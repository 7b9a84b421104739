/**
 * One runtime per data directory. Two gateways on one directory would each
 * keep their own view of the state (the second serves routes the first
 * has unpublished), so the first holds an exclusive lock and a second one
 * is refused, naming the holder.
 *
 * The lock is an SQLite file held in EXCLUSIVE locking mode: the operating
 * system drops it when the holder's process ends, however it ends (kill -9
 * included), so a stale lock never blocks a restart and no pid is ever
 * guessed alive or dead. The holder's pid, host and start time sit beside
 * it in a small text file, for the message.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { LOCK_FILE, LOCK_HOLDER_FILE } from './data-dir';
import { RuntimeError } from './errors';
import { sqlite } from './store/sqlite';

/** Who holds a data directory's lock, as it wrote it. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** Another running gateway holds the data directory. */
export class DataDirLockedError extends RuntimeError {
  /** The data directory. */
  readonly dataDir: string;
  /** Who holds it, when it said so. */
  readonly holder: LockHolder | undefined;
  constructor(dataDir: string, holder: LockHolder | undefined) {
    const who = holder ? `apigw process ${holder.pid} on ${holder.host} (since ${holder.since})` : 'another apigw process';
    super('APIGW_DATA_DIR_LOCKED', `data directory ${dataDir} is in use by ${who}: stop it first, or give this one another data directory`);
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

/** A held data-directory lock; `release` gives it up (closing the process does too). */
export class DataDirLock {
  private released = false;

  private constructor(
    private readonly db: DatabaseSync,
    private readonly holderFile: string,
  ) {}

  /** Takes the lock of `dataDir` (created when missing), or throws DataDirLockedError at once. */
  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = join(dataDir, LOCK_FILE);
    const { DatabaseSync } = sqlite();
    const db = new DatabaseSync(file);
    try {
      chmodSync(file, 0o600);
      db.exec('PRAGMA busy_timeout = 0');
      // Nothing is ever written: no journal file beside it.
      db.exec('PRAGMA journal_mode = OFF');
      // EXCLUSIVE locking mode keeps the lock the first write transaction takes until the connection closes.
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('COMMIT');
    } catch (error) {
      db.close();
      if (/locked|busy/i.test((error as Error).message)) throw new DataDirLockedError(dataDir, readHolder(join(dataDir, LOCK_HOLDER_FILE)));
      throw error;
    }
    const holderFile = join(dataDir, LOCK_HOLDER_FILE);
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    writeFileSync(holderFile, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
    return new DataDirLock(db, holderFile);
  }

  /** Gives the lock up. */
  release(): void {
    if (this.released) return;
    this.released = true;
    rmSync(this.holderFile, { force: true });
    this.db.close();
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof holder.pid === 'number' && typeof holder.host === 'string' && typeof holder.since === 'string') return holder as LockHolder;
  } catch {
    // Not written yet (the holder is starting), or removed: the message says less.
  }
  return undefined;
}
