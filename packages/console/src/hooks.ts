/**
 * Data hooks: the revision the console follows, and reads that refetch
 * when it moves, so every page shows the live gateway without a reload.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { AdminError, call } from './api';

/** How often the console asks whether the gateway's state moved. */
export const REFRESH_MS = 2000;

/** The committed revision the pages show (from the open /readyz probe). */
export const RevisionContext = createContext(0);

/** Polls the gateway's revision; the value changes when a commit lands. */
export function usePolledRevision(enabled: boolean): { revision: number; ready: boolean; lastError: string } {
  const [state, setState] = useState({ revision: 0, ready: false, lastError: '' });
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const response = await fetch('/readyz', { cache: 'no-store', credentials: 'omit' });
        const body = (await response.json()) as { status: string; revision: number };
        if (!stopped) setState((s) => (s.revision === body.revision && s.ready === (body.status === 'ready') && s.lastError === '' ? s : { revision: body.revision, ready: body.status === 'ready', lastError: '' }));
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, lastError: (error as Error).message }));
      }
      if (!stopped) timer = setTimeout(poll, REFRESH_MS);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [enabled]);
  return state;
}

/** A read's state: the last good data is kept while a newer read is on its way. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: AdminError | Error | undefined;
  readonly loading: boolean;
}

/** GETs `path` now, again whenever it or the revision changes (and every `everyMs`, when given: for what moves without commits). */
export function useData<T>(path: string | null, everyMs?: number): Loaded<T> {
  const revision = useContext(RevisionContext);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (everyMs === undefined) return;
    const id = setInterval(() => setTick((t) => t + 1), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: path !== null });
  const latest = useRef(0);
  useEffect(() => {
    if (path === null) return;
    const ticket = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    call<T>(path).then(
      (data) => ticket === latest.current && setState({ data, error: undefined, loading: false }),
      (error: Error) => ticket === latest.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, [path, revision, tick]);
  return state;
}

/** Re-reads `load` every `ms` while mounted (for metrics, which move without commits). */
export function useInterval(callback: () => void, ms: number): void {
  const saved = useRef(callback);
  saved.current = callback;
  useEffect(() => {
    saved.current();
    const id = setInterval(() => saved.current(), ms);
    return () => clearInterval(id);
  }, [ms]);
}
