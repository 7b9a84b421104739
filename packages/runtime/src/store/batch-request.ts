/**
 * Checks the shape of a batch request as it arrives (parsed JSON of
 * unknown shape) and turns each operation into a typed one with a
 * validated, canonical spec, or into the error that says why it cannot
 * run. Envelope mistakes refuse the whole request; an operation's mistake
 * is that operation's error, so a dry run reports it with all the others.
 */
import {
  KINDS,
  STAGES,
  canonicalSpec,
  STACK_NAME_PATTERN,
  gatewaySchema,
  pointerToken,
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

const defs = (gatewaySchema['$defs'] ?? {}) as Record<string, { pattern?: string }>;
const NAME = new RegExp(defs['Name']?.pattern ?? '^[A-Za-z][A-Za-z0-9_]{3,49}$');
const API_REF = new RegExp(defs['ApiRef']?.pattern ?? '^[A-Za-z][A-Za-z0-9_]{3,49}/[A-Za-z][A-Za-z0-9_]{3,49}$');
const STACK = STACK_NAME_PATTERN;
const KIND_NAMES = new Set<string>(KINDS.map((k) => k.kind));
const MAX_ID_LENGTH = 256;
/** The longest grace period a rotation may give the replaced credentials: 30 days. */
export const MAX_GRACE_SECONDS = 30 * 24 * 3600;

const FIELDS: Record<Operation['op'], readonly string[]> = {
  create: ['op', 'kind', 'spec'],
  update: ['op', 'kind', 'spec'],
  delete: ['op', 'kind', 'id'],
  adopt: ['op', 'kind', 'id', 'fromStack'],
  publish: ['op', 'api', 'stage'],
  unpublish: ['op', 'api', 'stage'],
  rotateCredentials: ['op', 'app', 'graceSeconds'],
};
const REQUIRED: Record<Operation['op'], readonly string[]> = {
  create: ['kind', 'spec'],
  update: ['kind', 'spec'],
  delete: ['kind', 'id'],
  adopt: ['kind', 'id'],
  publish: ['api', 'stage'],
  unpublish: ['api', 'stage'],
  rotateCredentials: ['app'],
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problem(pointer: string, message: string): Problem {
  return { code: 'SCHEMA_VIOLATION', pointer, message };
}

/** True for a valid stack name. */
export function isStackName(value: unknown): value is string {
  return typeof value === 'string' && STACK.test(value);
}

/**
 * Parses a batch request. Throws RuntimeError(APIGW_BAD_REQUEST) with
 * every envelope problem; operation problems become operation errors.
 */
export function parseBatchRequest(input: unknown): ParsedBatch {
  if (!isObject(input)) throw new RuntimeError('APIGW_BAD_REQUEST', 'a batch is a JSON object', { problems: [problem('', 'must be an object')] });
  const problems: Problem[] = [];
  for (const key of Object.keys(input))
    if (!['stack', 'expectedRevision', 'dryRun', 'operations'].includes(key)) problems.push(problem(`/${pointerToken(key)}`, `unknown field ${key}`));
  const stack = input['stack'] ?? null;
  if (stack !== null && !isStackName(stack)) problems.push(problem('/stack', 'must be null or a stack name (a letter, then letters, digits, _ or -; at most 64)'));
  const expected = input['expectedRevision'];
  if (expected !== undefined && !(Number.isSafeInteger(expected) && (expected as number) >= 0))
    problems.push(problem('/expectedRevision', 'must be a non-negative integer'));
  const dryRun = input['dryRun'] ?? false;
  if (typeof dryRun !== 'boolean') problems.push(problem('/dryRun', 'must be a boolean'));
  const operations = input['operations'];
  if (!Array.isArray(operations)) problems.push(problem('/operations', 'must be an array of operations'));
  if (problems.length > 0) throw new RuntimeError('APIGW_BAD_REQUEST', `batch request is invalid: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`, { problems });
  return {
    stack: stack as string | null,
    ...(expected === undefined ? {} : { expectedRevision: expected as number }),
    dryRun: dryRun as boolean,
    operations: (operations as unknown[]).map((op, i) => parseOperation(op, i)),
  };
}

/** Parses one operation at `/operations/<index>`. */
export function parseOperation(input: unknown, index: number): Operation | OperationError {
  const at = `/operations/${index}`;
  const problems: Problem[] = [];
  const fail = (code: 'APIGW_BAD_REQUEST' | 'APIGW_SPEC_INVALID', list: Problem[]): OperationError => ({
    index,
    code,
    message: list.map((p) => `${p.pointer}: ${p.message}`).join('; '),
    problems: list,
  });
  if (!isObject(input)) return fail('APIGW_BAD_REQUEST', [problem(at, 'an operation is an object')]);
  const op = input['op'];
  if (typeof op !== 'string' || !(op in FIELDS))
    return fail('APIGW_BAD_REQUEST', [problem(`${at}/op`, `must be one of ${Object.keys(FIELDS).map((o) => JSON.stringify(o)).join(', ')}`)]);
  const kindOp = op as Operation['op'];
  for (const key of Object.keys(input)) if (!FIELDS[kindOp].includes(key)) problems.push(problem(`${at}/${pointerToken(key)}`, `unknown field ${key} for op ${op}`));
  for (const key of REQUIRED[kindOp]) if (input[key] === undefined) problems.push(problem(`${at}/${key}`, `${key} is required for op ${op}`));
  const kind = input['kind'];
  if (kind !== undefined && (typeof kind !== 'string' || !KIND_NAMES.has(kind)))
    problems.push(problem(`${at}/kind`, `must be one of ${KINDS.map((k) => JSON.stringify(k.kind)).join(', ')}`));
  const id = input['id'];
  if (id !== undefined && !(typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH))
    problems.push(problem(`${at}/id`, `must be a non-empty string of at most ${MAX_ID_LENGTH} characters`));
  const api = input['api'];
  if (api !== undefined && !(typeof api === 'string' && API_REF.test(api))) problems.push(problem(`${at}/api`, 'must be an API reference (group/name)'));
  const stage = input['stage'];
  if (stage !== undefined && !STAGES.includes(stage as Stage)) problems.push(problem(`${at}/stage`, `must be one of ${STAGES.map((s) => JSON.stringify(s)).join(', ')}`));
  const app = input['app'];
  if (app !== undefined && !(typeof app === 'string' && NAME.test(app))) problems.push(problem(`${at}/app`, 'must be an app name'));
  const fromStack = input['fromStack'];
  if (fromStack !== undefined && fromStack !== null && !isStackName(fromStack)) problems.push(problem(`${at}/fromStack`, 'must be null or a stack name'));
  if (problems.length > 0) return fail('APIGW_BAD_REQUEST', problems);

  switch (kindOp) {
    case 'create':
    case 'update': {
      const spec = parseSpec(kind as Kind, input['spec'], `${at}/spec`);
      if (!spec.ok) return fail('APIGW_SPEC_INVALID', spec.problems);
      return { op: kindOp, kind: kind as Kind, spec: spec.value };
    }
    case 'delete':
      return { op: kindOp, kind: kind as Kind, id: id as string };
    case 'adopt':
      return { op: kindOp, kind: kind as Kind, id: id as string, ...(fromStack === undefined ? {} : { fromStack: fromStack as string | null }) };
    case 'publish':
    case 'unpublish':
      return { op: kindOp, api: api as string, stage: stage as Stage };
    case 'rotateCredentials': {
      const grace = input['graceSeconds'];
      if (grace !== undefined && (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS))
        return fail('APIGW_BAD_REQUEST', [problem(`${at}/graceSeconds`, `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS} (30 days)`)]);
      return { op: kindOp, app: app as string, ...(grace === undefined ? {} : { graceSeconds: grace as number }) };
    }
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
