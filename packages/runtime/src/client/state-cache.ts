/**
 * The state a long-lived client keeps between reads: after the first full
 * read it asks only for what changed since the revision it holds and
 * merges that in, so reading a large, mostly unchanged state costs little.
 * Both clients use it, so they merge the same way.
 */
import { KINDS, type Kind } from '@apigw/schema';
import type { LiveResource, LiveState, LiveStateChanges } from '../model';

/**
 * What a state fetch answered: the whole state, the changes since the
 * revision asked for, or nothing new; with the id of the store that
 * answered, when it says.
 */
export interface StateAnswer {
  readonly answer: LiveState | LiveStateChanges | 'unchanged';
  readonly store?: string;
}

/** What a cache holds of one stack's state, and so what a fetch may ask changes since. */
export interface HeldState {
  readonly revision: number;
  /** The store the state was read from, when known. */
  readonly store?: string;
}

/** Tells changes from a whole state. */
export function isStateChanges(answer: LiveState | LiveStateChanges): answer is LiveStateChanges {
  return (answer as LiveStateChanges).since !== undefined;
}

/** Changes larger than this rebuild a collection and sort it rather than insert into it one by one. */
const INSERT_LIMIT = 64;

/**
 * The state at `changes.revision`, from the state at `changes.since`:
 * deleted resources removed, changed ones replaced or inserted, every
 * collection in id order as a full read lists it. Collections nothing
 * touched are shared with `state`; neither argument is modified.
 */
export function applyStateChanges(state: LiveState, changes: LiveStateChanges): LiveState {
  const deleted = new Map<Kind, Set<string>>();
  for (const d of changes.deleted) {
    const set = deleted.get(d.kind);
    if (set) set.add(d.id);
    else deleted.set(d.kind, new Set([d.id]));
  }
  const next: Record<string, unknown> = { revision: changes.revision };
  for (const { kind, collection } of KINDS) {
    const before = state[collection] as readonly LiveResource[];
    const gone = deleted.get(kind);
    const changed = (changes.changed[collection] ?? []) as readonly LiveResource[];
    next[collection] = gone === undefined && changed.length === 0 ? before : merged(before, gone, changed);
  }
  return next as unknown as LiveState;
}

function merged(before: readonly LiveResource[], gone: ReadonlySet<string> | undefined, changed: readonly LiveResource[]): LiveResource[] {
  const out = gone === undefined ? before.slice() : before.filter((r) => !gone.has(r.id));
  if (changed.length > INSERT_LIMIT) {
    const byId = new Map(out.map((r) => [r.id, r]));
    for (const r of changed) byId.set(r.id, r);
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  for (const r of changed) {
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (out[mid]!.id < r.id) lo = mid + 1;
      else hi = mid;
    }
    if (out[lo]?.id === r.id) out[lo] = r;
    else out.splice(lo, 0, r);
  }
  return out;
}

/** The last state read, per stack (`''`: the whole state). */
export class StateCache {
  private readonly states = new Map<string, { state: LiveState; store?: string }>();

  /**
   * The current state: `fetch` is called with what is held (undefined the
   * first time) and answers the whole state, the changes since, or
   * 'unchanged'. The answer is a fresh LiveState whose collections are new
   * arrays; the resources in them are shared with later reads, so treat
   * them as immutable.
   */
  async read(stack: string | undefined, fetch: (held: HeldState | undefined) => Promise<StateAnswer>): Promise<LiveState> {
    const key = stack ?? '';
    const entry = this.states.get(key);
    const held = entry?.state;
    const { answer, store } = await fetch(entry ? { revision: entry.state.revision, ...(entry.store === undefined ? {} : { store: entry.store }) } : undefined);
    let state: LiveState;
    if (answer === 'unchanged') {
      if (!held) throw new TypeError('a state fetch without a revision answered "unchanged"');
      state = held;
    } else if (isStateChanges(answer)) {
      if (!held || held.revision !== answer.since) throw new TypeError(`changes since revision ${answer.since} do not apply to the state held (revision ${held?.revision})`);
      state = applyStateChanges(held, answer);
    } else state = answer;
    const latest = this.states.get(key);
    if (!latest || latest.store !== store || latest.state.revision <= state.revision) this.states.set(key, store === undefined ? { state } : { state, store });
    return copyOf(state);
  }

  /** Forgets every state held: the next read is a full one. */
  clear(): void {
    this.states.clear();
  }
}

/** A LiveState with its own collection arrays, so a caller's changes to them cannot reach the cache. */
function copyOf(state: LiveState): LiveState {
  const out: Record<string, unknown> = { revision: state.revision };
  for (const { collection } of KINDS) out[collection] = (state[collection] as readonly unknown[]).slice();
  return out as unknown as LiveState;
}
