/**
 * Applying a plan: its operations sent as one atomic batch guarded by the
 * revision the plan was made at, with refusals turned into the provider's
 * errors.
 */
import { resourceId } from '@apigw/schema';
import { AdminApiError, type BatchResult, type GatewayClient, type Operation } from '@apigw/runtime/client';
import { ApplyRefusedError, PlanRefusedError, StalePlanError } from '../errors';

/** What apply sends: a stack's operations, guarded by the revision they were planned against. */
export interface ApplyRequest {
  readonly stack: string;
  readonly revision: number;
  readonly operations: readonly Operation[];
}

/**
 * Applies a plan as one atomic batch: every operation happens or none does.
 * The batch carries the plan's revision, so a gateway that changed since
 * the plan was made (another apply, a hand edit) refuses it and
 * StalePlanError says so; any other refusal is an ApplyRefusedError listing
 * each failed operation. An empty plan sends nothing.
 */
export async function applyPlan(client: GatewayClient, request: ApplyRequest): Promise<BatchResult> {
  if (request.operations.length === 0) return { revision: request.revision, dryRun: false, results: [] };
  try {
    return await client.batch({ stack: request.stack, expectedRevision: request.revision, operations: request.operations });
  } catch (error) {
    if (error instanceof AdminApiError && error.code === 'APIGW_REVISION_CONFLICT') {
      throw new StalePlanError(request.revision, error.revision, { cause: error });
    }
    if (error instanceof AdminApiError && error.errors && error.errors.length > 0) {
      const details = error.errors.map((e) => `operation ${e.index} (${describeOperation(request.operations[e.index])}): ${e.message} [${e.code}]`);
      throw new ApplyRefusedError(`the gateway refused the plan; nothing was applied`, details, { cause: error });
    }
    throw error;
  }
}

/**
 * Asks the gateway whether it would accept a plan: the same batch, sent as
 * a dry run, which the runtime checks operation by operation and rolls
 * back. Resolves when it would be accepted; rejects with PlanRefusedError
 * listing every refusal (resource and reason), or StalePlanError when the
 * gateway moved since the plan was read.
 */
export async function checkPlan(client: GatewayClient, request: ApplyRequest): Promise<void> {
  if (request.operations.length === 0) return;
  try {
    await client.batch({ stack: request.stack, expectedRevision: request.revision, dryRun: true, operations: request.operations });
  } catch (error) {
    if (error instanceof AdminApiError && error.code === 'APIGW_REVISION_CONFLICT') throw new StalePlanError(request.revision, error.revision, { cause: error });
    if (error instanceof AdminApiError && error.errors && error.errors.length > 0) {
      const details = error.errors.map((e) => `${describeOperation(request.operations[e.index])}: ${e.message} [${e.code}]`);
      throw new PlanRefusedError(details, { cause: error });
    }
    throw error;
  }
}

/** One operation in words (`publish shop/getUser to RELEASE`), for messages. */
export function describeOperation(op: Operation | undefined): string {
  if (!op) return 'unknown';
  switch (op.op) {
    case 'create':
    case 'update':
      return `${op.op} ${op.kind} ${resourceId(op.kind, op.spec as never)}`;
    case 'delete':
    case 'adopt':
      return `${op.op} ${op.kind} ${op.id}`;
    case 'publish':
      return `publish ${op.api} to ${op.stage}`;
    case 'unpublish':
      return `unpublish ${op.api} from ${op.stage}`;
    case 'rotateCredentials':
      return `rotate credentials of ${op.app}`;
  }
}
