/** Builds scenario live states from their compact `actual.json` form (see scenarios.test.ts). */
import { KINDS, STAGES, resourceId, type AnySpec, type Api } from '@apigw/schema';
import type { LiveState } from '@apigw/runtime';

export interface Actual {
  readonly stack: string;
  readonly revision?: number;
  readonly owners?: Record<string, string | null>;
  readonly stale?: string[];
  readonly [collection: string]: unknown;
}

/** Builds a live state from a scenario's actual.json (specs kept as written: the planner normalizes them). */
export function liveStateOf(actual: Actual): LiveState {
  const state: Record<string, unknown> = { revision: actual.revision ?? 1 };
  for (const { kind, collection } of KINDS) {
    state[collection] = ((actual[collection] as AnySpec[] | undefined) ?? []).map((spec) => {
      const id = resourceId(kind, spec);
      const owner = actual.owners && `${kind} ${id}` in actual.owners ? actual.owners[`${kind} ${id}`] : actual.stack;
      const base = { kind, id, stack: owner, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
      if (kind === 'api') {
        const { stages = [], ...definition } = spec as Api;
        const published = Object.fromEntries(
          STAGES.filter((s) => stages.includes(s)).map((s) => [s, { digest: actual.stale?.includes(`${id} ${s}`) ? 'old' : 'current', publishedAt: '2026-01-01T00:00:00.000Z' }]),
        );
        return { ...base, spec: definition, digest: 'current', published };
      }
      if (kind === 'app') return { ...base, spec, appKey: `key-${id}` };
      return { ...base, spec };
    });
  }
  return state as unknown as LiveState;
}

