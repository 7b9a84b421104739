/**
 * Remembers X-Ca-Nonce values so each is accepted once within the 15-minute
 * timestamp window, in bounded memory.
 *
 * Two generations of nonces are kept; the older is dropped when the newer is
 * one window old, so every nonce is remembered for at least a window. A
 * nonce whose timestamp is still inside the window then (a client clock
 * ahead of the gateway's) moves to the new generation instead: its timestamp
 * alone would not refuse a replay. When the current generation reaches
 * `maxEntries`, it is rotated early; to keep replays impossible the store
 * then remembers the newest timestamp it has forgotten (`floor`), and
 * refuses any request whose timestamp is not after it. A replay of a
 * forgotten nonce carries its original timestamp, which is at or below the
 * floor.
 */

/** What `check` answers. */
export type NonceVerdict = 'OK' | 'USED';

/** Where a data plane remembers nonces: this process's memory, or a file its workers share. */
export interface NonceLedger {
  /**
   * Records `key` (AppKey and nonce) used by a request stamped `timestamp`;
   * answers USED when it was seen already or may have been forgotten.
   */
  check(key: string, timestamp: number, now?: number): NonceVerdict;
  /** Releases what the ledger holds open. */
  close?(): void;
}

export interface NonceStoreOptions {
  /** How long a nonce is remembered, in ms. @default 900000 (15 minutes) */
  readonly windowMs?: number;
  /** Entries per generation (twice this is the bound). @default 100000 */
  readonly maxEntries?: number;
}

/** A NonceLedger in this process's memory. */
export class NonceStore implements NonceLedger {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private currentStartedAt: number;
  private floor = -Infinity;
  private readonly windowMs: number;
  private readonly maxEntries: number;

  constructor(options: NonceStoreOptions = {}, now: number = Date.now()) {
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.currentStartedAt = now;
  }

  /** Number of nonces remembered. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /**
   * Records `key` (AppKey and nonce) used by a request stamped `timestamp`;
   * answers USED when it was seen already or may have been forgotten.
   */
  check(key: string, timestamp: number, now: number = Date.now()): NonceVerdict {
    if (now - this.currentStartedAt >= this.windowMs) this.rotate(now, now - this.windowMs);
    if (timestamp <= this.floor) return 'USED';
    if (this.current.has(key) || this.previous.has(key)) return 'USED';
    if (this.current.size >= this.maxEntries) this.rotate(now, Infinity);
    this.current.set(key, timestamp);
    return 'OK';
  }

  /**
   * Starts a new generation and drops the older one, except its nonces
   * stamped after `keepAfter`. Forgetting a nonce is safe once the floor is
   * at or above its timestamp; raising the floor only over timestamps that
   * have left the window refuses no request that could still be valid.
   */
  private rotate(now: number, keepAfter: number): void {
    const kept = new Map<string, number>();
    for (const [key, ts] of this.previous) {
      if (ts > keepAfter) kept.set(key, ts);
      else if (ts > this.floor) this.floor = ts;
    }
    this.previous = this.current;
    this.current = kept;
    this.currentStartedAt = now;
  }
}
