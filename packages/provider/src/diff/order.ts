import { KINDS, authorizationId, type Kind } from '@apigw/schema';
import type { Operation } from '@apigw/runtime';

const KIND_INDEX = new Map<Kind, number>(KINDS.map((k, i) => [k.kind, i]));
const LAST = KINDS.length - 1;

/**
 * Where an operation goes in a batch. Dependency order is `KINDS`: deletes
 * run bottom-up before anything is created, creates and updates top-down.
 * Within that:
 * - authorizations are revoked first and unpublishing comes before any
 *   delete, so nothing is removed while something still uses it;
 * - an authorization that only loses stages is updated with the revokes;
 * - APIs are published after every definition (backend services included)
 *   is in place, and authorizations granted after publishing.
 */
export function operationRank(op: Operation, narrowing = false): number {
  switch (op.op) {
    case 'delete':
      return op.kind === 'authorization' ? 0 : 2 + (LAST - KIND_INDEX.get(op.kind)!);
    case 'unpublish':
      return 1;
    case 'adopt':
      return 8 + KIND_INDEX.get(op.kind)!;
    case 'create':
    case 'update':
      if (op.kind === 'authorization' && narrowing && op.op === 'update') return 0;
      return 14 + 2 * KIND_INDEX.get(op.kind)!;
    case 'publish':
      return 14 + 2 * KIND_INDEX.get('api')! + 1;
    case 'rotateCredentials':
      return 14 + 2 * KINDS.length;
  }
}

/** Operations sorted by rank, keeping the given order within a rank (a stable bucket sort: linear). */
export function orderOperations(operations: readonly Operation[], narrowingAuthorizations: ReadonlySet<string> = new Set()): Operation[] {
  const buckets: Operation[][] = [];
  for (const op of operations) {
    const narrowing = op.op === 'update' && op.kind === 'authorization' && narrowingAuthorizations.has(authorizationId(op.spec as { app: string; api: string }));
    const rank = operationRank(op, narrowing);
    (buckets[rank] ??= []).push(op);
  }
  return buckets.flatMap((b) => b ?? []);
}
