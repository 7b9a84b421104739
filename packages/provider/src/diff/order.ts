/**
 * The order of a plan's operations in its batch: adopt, revoke, unpublish,
 * replace-deletes bottom-up, creates and updates top-down, then deletes
 * bottom-up.
 */
import { KINDS, kindIndex } from '@apigw/schema';
import type { Operation } from '@apigw/runtime';

const LAST = KINDS.length - 1;

/** An operation and what the planner knows about why it is there. */
export interface PlannedOperation {
  readonly operation: Operation;
  /** A delete that makes room for a create of the same identity (a replace). */
  readonly replacing?: boolean;
  /** The operation only takes grants away (see ResourceHandler.withRevocations), so it runs with the revocations. */
  readonly revoking?: boolean;
}

/**
 * Where an operation goes in a batch. The runtime checks ownership,
 * references and uses as each operation runs, so the order is:
 *
 * 1. adopt: the stack owns what it takes over before changing it;
 * 2. revoke grants (an authorization's delete, and updates that only drop
 *    stages: whatever the kind's handler says takes grants away);
 * 3. unpublish;
 * 4. delete what is replaced, bottom-up (`KINDS` reversed), so the
 *    identity is free again;
 * 5. create and update top-down, publishing APIs once every definition
 *    they need is in place, granting authorizations last;
 * 6. delete what the document dropped, bottom-up: by now nothing uses it
 *    any more (an API that moved to another backend service has been
 *    republished).
 */
export function operationRank(planned: PlannedOperation): number {
  const op = planned.operation;
  switch (op.op) {
    case 'adopt':
      return kindIndex(op.kind);
    case 'delete':
      if (planned.revoking) return 6;
      return planned.replacing ? 8 + (LAST - kindIndex(op.kind)) : 30 + (LAST - kindIndex(op.kind));
    case 'unpublish':
      return 7;
    case 'create':
    case 'update':
      if (planned.revoking) return 6;
      return 14 + 2 * kindIndex(op.kind);
    case 'publish':
      return 14 + 2 * kindIndex('api') + 1;
    case 'rotateCredentials':
      return 14 + 2 * KINDS.length;
  }
}

/** Operations sorted by rank, keeping the given order within a rank (a stable bucket sort: linear). */
export function orderOperations(planned: readonly PlannedOperation[]): Operation[] {
  const buckets: Operation[][] = [];
  for (const p of planned) (buckets[operationRank(p)] ??= []).push(p.operation);
  const out: Operation[] = [];
  for (const bucket of buckets) if (bucket) for (const op of bucket) out.push(op);
  return out;
}
