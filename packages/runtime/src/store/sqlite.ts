/**
 * Loads `node:sqlite`. Node 22 prints an ExperimentalWarning the first time
 * the module loads; the runtime depends on it deliberately, so that one
 * warning (matched by type and message) is dropped while loading. Every
 * other warning, from anywhere, is still emitted.
 */
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

/**
 * Opens a SQLite file that several processes write at once and that holds
 * nothing durable (per-request state such as nonces or call counts): the
 * lock is waited for rather than failed, WAL lets readers run beside the
 * writer, and `synchronous=NORMAL` skips the fsync per write while never
 * corrupting the file in a crash.
 */
export function openSharedScratchFile(file: string): import('node:sqlite').DatabaseSync {
  const db = new (sqlite().DatabaseSync)(file);
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  return db;
}
