/**
 * Loads `node:sqlite`. Node 22 prints an ExperimentalWarning the first time
 * the module loads; the runtime depends on it deliberately, so that one
 * warning (matched by type and message) is dropped while loading. Every
 * other warning, from anywhere, is still emitted.
 */
import { SharedFileError } from '../errors';

type Sqlite = typeof import('node:sqlite');

let loaded: Sqlite | undefined;

/** The `node:sqlite` module, loaded once with its experimental-feature warning silenced. */
export function sqlite(): Sqlite {
  if (loaded) return loaded;
  const original = process.emitWarning;
  const filtered = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const first = rest[0];
    const type = warning instanceof Error ? warning.name : typeof first === 'string' ? first : (first as { type?: string } | undefined)?.type;
    const message = warning instanceof Error ? warning.message : warning;
    if (type === 'ExperimentalWarning' && message.startsWith('SQLite is an experimental feature')) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('node:sqlite') as Sqlite;
  } finally {
    process.emitWarning = original;
  }
  return loaded;
}

/** How a file shared by processes is opened: the tables it holds and whether each commit is fsynced. */
export interface SharedFileOptions {
  /** Statements creating the file's tables and indexes (`IF NOT EXISTS`); run in one write transaction. */
  readonly schema: readonly string[];
  /**
   * `true`: every commit is fsynced (`synchronous=FULL`), for data that must
   * survive a power loss. `false`: per-request scratch state (nonces, call
   * counts) skips the fsync; the file is never corrupted by a crash either way.
   */
  readonly durable: boolean;
}

/** How long opening a shared file waits for the processes holding its lock, in total. */
const SHARED_FILE_PATIENCE_MS = 15_000;

/**
 * Opens a SQLite file that several processes (the data-plane workers and the
 * primary) open and write at once: WAL, so readers run beside the writer,
 * and its tables created under a write lock taken up front.
 *
 * A lock held by another process is waited for, including the two cases in
 * which SQLite answers "database is locked" without consulting its busy
 * handler: switching the journal to WAL while another connection has the
 * file open, and a read that turns into a write after another process
 * committed. Throws SharedFileError naming the file when it cannot be opened
 * or prepared.
 */
export function openSharedFile(file: string, options: SharedFileOptions): import('node:sqlite').DatabaseSync {
  let db: import('node:sqlite').DatabaseSync;
  try {
    db = new (sqlite().DatabaseSync)(file);
  } catch (error) {
    throw new SharedFileError(file, error);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${SHARED_FILE_PATIENCE_MS}`);
    const deadline = Date.now() + SHARED_FILE_PATIENCE_MS;
    whileBusy(deadline, () => {
      const mode = db.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
      if (mode.journal_mode !== 'wal') db.exec('PRAGMA journal_mode = WAL');
    });
    db.exec(`PRAGMA synchronous = ${options.durable ? 'FULL' : 'NORMAL'}`);
    whileBusy(deadline, () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const statement of options.schema) db.exec(statement);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    });
  } catch (error) {
    db.close();
    throw new SharedFileError(file, error);
  }
  return db;
}

/** SQLITE_BUSY and SQLITE_LOCKED, whatever their extended code. */
function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown }).errcode;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

/**
 * Runs `step`, again after a short sleep while another process holds a lock
 * SQLite would not wait for, until `deadline` (epoch ms). `step` must be
 * safe to run again: a transaction it began is rolled back before it throws.
 */
export function whileBusy(deadline: number, step: () => void): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      step();
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      // A jittered, growing pause: processes started together do not retry in step.
      Atomics.wait(pause, 0, 0, Math.min(200, 5 * attempt) + Math.floor(Math.random() * 10));
    }
  }
}
