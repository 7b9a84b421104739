/**
 * Checks the shape of a batch request as it arrives (parsed JSON of
 * unknown shape) against schema/batch.schema.json and turns each operation into a typed one with a
 * validated, canonical spec, or into the error that says why it cannot
 * run. Envelope mistakes refuse the whole request; an operation's mistake
 * is that operation's error, so a dry run reports it with all the others.
 */
import {
  STACK_NAME_PATTERN,
  batchEnvelopeProblems,
  canonicalSpec,
  operationProblems,
  validateResource,
  type Kind,
  type KindSpecs,
  type Problem,
  type Stage,
} from '@apigw/schema';
import { RuntimeError } from '../errors';
import type { ApiDefinition, Operation, OperationError, StoredSpec } from '../model';

/** A batch whose envelope is valid; each operation is runnable or already failed. */
export interface ParsedBatch {
  readonly stack: string | null;
  readonly expectedRevision?: number;
  readonly dryRun: boolean;
  readonly operations: readonly (Operation | OperationError)[];
}

/** Tells a parsed operation from the error it turned into. */
export function isOperationError(op: Operation | OperationError): op is OperationError {
  return (op as OperationError).code !== undefined;
}

/** The longest grace period a rotation may give the replaced credentials: 30 days (batch.schema.json's bound). */
export const MAX_GRACE_SECONDS = 30 * 24 * 3600;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problem(pointer: string, message: string): Problem {
  return { code: 'SCHEMA_VIOLATION', pointer, message };
}

/** True for a valid stack name. */
export function isStackName(value: unknown): value is string {
  return typeof value === 'string' && STACK_NAME_PATTERN.test(value);
}

/**
 * Parses a batch request against batch.schema.json. Throws
 * RuntimeError(APIGW_BAD_REQUEST) with every envelope problem; operation
 * problems become operation errors.
 */
export function parseBatchRequest(input: unknown): ParsedBatch {
  if (!isObject(input)) throw new RuntimeError('APIGW_BAD_REQUEST', 'a batch is a JSON object', { problems: [problem('', 'must be an object')] });
  const problems = batchEnvelopeProblems(input);
  if (problems.length > 0) throw new RuntimeError('APIGW_BAD_REQUEST', `batch request is invalid: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`, { problems });
  const expected = input['expectedRevision'];
  return {
    stack: (input['stack'] ?? null) as string | null,
    ...(expected === undefined ? {} : { expectedRevision: expected as number }),
    dryRun: (input['dryRun'] ?? false) as boolean,
    operations: (input['operations'] as unknown[]).map((op, i) => parseOperation(op, i)),
  };
}

/** Parses one operation at `/operations/<index>` (its shape against batch.schema.json, its spec against its kind's schema). */
export function parseOperation(input: unknown, index: number): Operation | OperationError {
  const at = `/operations/${index}`;
  const fail = (code: 'APIGW_BAD_REQUEST' | 'APIGW_SPEC_INVALID', list: Problem[]): OperationError => ({
    index,
    code,
    message: list.map((p) => `${p.pointer}: ${p.message}`).join('; '),
    problems: list,
  });
  if (!isObject(input)) return fail('APIGW_BAD_REQUEST', [problem(at, 'an operation is an object')]);
  const problems = operationProblems(input, at);
  if (problems.length > 0) return fail('APIGW_BAD_REQUEST', problems);
  const op = input as Record<string, unknown> & { op: Operation['op'] };
  const kind = op['kind'] as Kind;
  switch (op.op) {
    case 'create':
    case 'update': {
      const spec = parseSpec(kind, op['spec'], `${at}/spec`);
      if (!spec.ok) return fail('APIGW_SPEC_INVALID', spec.problems);
      return { op: op.op, kind, spec: spec.value };
    }
    case 'delete':
      return { op: op.op, kind, id: op['id'] as string };
    case 'adopt':
      return { op: op.op, kind, id: op['id'] as string, ...(op['fromStack'] === undefined ? {} : { fromStack: op['fromStack'] as string | null }) };
    case 'publish':
    case 'unpublish':
      return { op: op.op, api: op['api'] as string, stage: op['stage'] as Stage };
    case 'rotateCredentials':
      return { op: op.op, app: op['app'] as string, ...(op['graceSeconds'] === undefined ? {} : { graceSeconds: op['graceSeconds'] as number }) };
  }
}

/**
 * Validates a resource spec against its kind's schema (defaults filled)
 * and returns it in canonical form. An API's `stages` is refused when not
 * empty: publishing is separate state, changed by publish operations.
 */
export function parseSpec<K extends Kind>(
  kind: K,
  input: unknown,
  pointer: string,
): { ok: true; value: StoredSpec<K> } | { ok: false; problems: Problem[] } {
  const result = validateResource(kind, input, pointer);
  if (!result.ok) return result;
  const spec = canonicalSpec(kind, result.value as KindSpecs[K]);
  if (kind !== 'api') return { ok: true, value: spec as unknown as StoredSpec<K> };
  const { stages, ...definition } = spec as KindSpecs['api'];
  if (stages.length > 0)
    return {
      ok: false,
      problems: [problem(`${pointer}/stages`, 'the runtime does not take stages in an API spec: publish and unpublish operations change where an API is published')],
    };
  return { ok: true, value: definition as ApiDefinition as unknown as StoredSpec<K> };
}
