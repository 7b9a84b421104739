/**
 * Remembers X-Ca-Nonce values so each is accepted once within the 15-minute
 * timestamp window, in memory bounded per app.
 *
 * Two generations of nonces are kept; the older is dropped when the newer is
 * one window old, so every nonce is remembered for at least a window. A
 * nonce whose timestamp is still inside the window then (a client clock
 * ahead of the gateway's) moves to the new generation instead: its timestamp
 * alone would not refuse a replay. When an app's current generation reaches
 * `maxEntries`, it is rotated early; to keep replays impossible the store
 * then remembers the newest timestamp it has forgotten of that app
 * (`floor`), and refuses that app's requests whose timestamp is not after
 * it. A replay of a
 * forgotten nonce carries its original timestamp, which is at or below the
 * floor.
 */

/** What `check` answers. */
export type NonceVerdict = 'OK' | 'USED';

/**
 * Where a data plane remembers nonces: this process's memory, a file its
 * workers share, or a store every node shares (which answers with a
 * promise; the request waits only then).
 */
export interface NonceLedger {
  /**
   * Records `key` (AppKey and nonce) used by a request stamped `timestamp`;
   * answers USED when it was seen already or may have been forgotten.
   */
  check(key: string, timestamp: number, now?: number): NonceVerdict | Promise<NonceVerdict>;
  /** Releases what the ledger holds open. */
  close?(): void;
}

export interface NonceStoreOptions {
  /** How long a nonce is remembered, in ms. @default 900000 (15 minutes) */
  readonly windowMs?: number;
  /** Entries per generation of one app (twice this bounds what one app occupies). @default 100000 */
  readonly maxEntries?: number;
}

/** The nonces of one app: two generations and the floor of what it has forgotten. */
class AppNonces {
  current = new Map<string, number>();
  previous = new Map<string, number>();
  floor = -Infinity;
  constructor(
    public startedAt: number,
    public usedAt: number,
  ) {}
}

/**
 * A NonceLedger in this process's memory, partitioned by app (the part of
 * the key before its first line break: the AppKey). Each app has its own
 * generations of at most `maxEntries` nonces and its own floor, so one
 * app's traffic, however heavy or however future-dated, can neither push
 * another app's nonces out nor make another app's requests refused.
 */
export class NonceStore implements NonceLedger {
  private readonly apps = new Map<string, AppNonces>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private sweptAt: number;

  constructor(options: NonceStoreOptions = {}, now: number = Date.now()) {
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.sweptAt = now;
  }

  /** Number of nonces remembered. */
  get size(): number {
    let n = 0;
    for (const a of this.apps.values()) n += a.current.size + a.previous.size;
    return n;
  }

  /**
   * Records `key` (AppKey and nonce) used by a request stamped `timestamp`;
   * answers USED when it was seen already or may have been forgotten.
   */
  check(key: string, timestamp: number, now: number = Date.now()): NonceVerdict {
    if (now - this.sweptAt >= this.windowMs) this.sweep(now);
    const cut = key.indexOf('\n');
    const appKey = cut === -1 ? key : key.slice(0, cut);
    let app = this.apps.get(appKey);
    if (app === undefined) this.apps.set(appKey, (app = new AppNonces(now, now)));
    app.usedAt = now;
    if (now - app.startedAt >= this.windowMs) this.rotate(app, now, now - this.windowMs);
    if (timestamp <= app.floor) return 'USED';
    if (app.current.has(key) || app.previous.has(key)) return 'USED';
    if (app.current.size >= this.maxEntries) this.rotate(app, now, Infinity);
    app.current.set(key, timestamp);
    return 'OK';
  }

  /**
   * Starts a new generation of an app and drops the older one, except its
   * nonces stamped after `keepAfter`. Forgetting a nonce is safe once the
   * floor is at or above its timestamp; raising the floor only over
   * timestamps that have left the window refuses no request that could
   * still be valid.
   */
  private rotate(app: AppNonces, now: number, keepAfter: number): void {
    const kept = new Map<string, number>();
    for (const [key, ts] of app.previous) {
      if (ts > keepAfter) kept.set(key, ts);
      else if (ts > app.floor) app.floor = ts;
    }
    app.previous = app.current;
    app.current = kept;
    app.startedAt = now;
  }

  /**
   * Forgets apps idle for two windows: every nonce they sent is stamped at
   * most a window after its use, so its timestamp alone now refuses it.
   */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, app] of this.apps) if (now - app.usedAt >= 2 * this.windowMs) this.apps.delete(key);
  }
}
