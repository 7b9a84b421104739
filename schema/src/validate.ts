import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import batch from '../batch.schema.json';
import schema from '../gateway.schema.json';
import { canonicalDocument } from './canonical';
import type { GatewayDocument } from './document.generated';
import { DocumentInvalidError, type Problem } from './errors';
import { definedBackendTypes, onBackendTypeDefined } from './backend-types';
import { composeBatchSchema } from './batch-schema';
import { KINDS, kindInfo, onKindDefined, resourceId, type Kind, type KindSpecs } from './kinds';
import { pointerToken } from './pointer';
import { checkRules, type RuleResource } from './rules';

/** The outcome of validating a document or a resource body. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** The gateway document schema (JSON Schema 2020-12), as shipped. */
export const gatewaySchema: Readonly<Record<string, unknown>> = schema;

/** What a stack name looks like (the document's `stack`, which owns every resource the document creates). */
export const STACK_NAME_PATTERN = new RegExp(schema.properties.stack.pattern);

/** The schema of `POST /v1/batch` bodies (JSON Schema 2020-12), as shipped. */
export const batchSchema: Readonly<Record<string, unknown>> = batch;

type SchemaNode = Record<string, unknown>;

/**
 * The document schema the validator uses: the shipped one, with every
 * backend type defined with defineBackendType added (its name to the
 * `type` enum, its field to BackendEnvironment).
 */
function documentSchema(): SchemaNode {
  const defined = definedBackendTypes();
  if (defined.length === 0) return schema;
  const copy = structuredClone(schema) as SchemaNode;
  const defs = copy['$defs'] as Record<string, SchemaNode>;
  const typeNode = ((defs['BackendService']!['properties'] as Record<string, SchemaNode>)['type'] as { enum: string[] });
  const environment = defs['BackendEnvironment']!['properties'] as Record<string, unknown>;
  for (const t of defined) {
    typeNode.enum.push(t.type);
    environment[t.field] = t.schema;
  }
  return copy;
}

/** Every validator, compiled from one schema; compiled again when a backend type is defined. */
interface Validators {
  readonly ajv: Ajv2020;
  readonly schema: SchemaNode;
  readonly document: ValidateFunction;
  readonly kinds: Map<Kind, ValidateFunction>;
  readonly envelope: ValidateFunction;
  /** batch.schema.json's Operation as shipped: its errors are the problems reported. */
  readonly operation: ValidateFunction;
  /** The same Operation, dispatched on `op` (see dispatchedOperation): only its verdict is read. */
  readonly operationVerdict: ValidateFunction;
}

/** Where the validator keeps the dispatched form of batch.schema.json's Operation (never shipped). */
const DISPATCHED_OPERATION = 'DispatchedOperation';

/**
 * batch.schema.json's Operation (`allOf` of one `if op is X then ...` per
 * op) rewritten to accept exactly the same values as a `oneOf` of one
 * branch per op with a discriminator on `op`: each branch is the `then` of
 * its op, with `op` fixed to that op and required. The validator then
 * checks only the branch of an operation's op, instead of testing all
 * seven conditions of every operation (at 40,000 operations a batch, that
 * is most of the time spent checking their shapes). Its errors are not
 * read: an operation it refuses is checked again with the shipped
 * Operation, whose errors become the problems.
 */
function dispatchedOperation(operation: SchemaNode): SchemaNode {
  const branches = (operation['allOf'] as { if: { properties: { op: { const: string } } }; then: SchemaNode & { properties: SchemaNode; required: string[] } }[]).map((b) => ({
    ...b.then,
    properties: { ...b.then.properties, op: { const: b.if.properties.op.const } },
    required: ['op', ...b.then.required],
  }));
  const { allOf: _allOf, title: _title, description: _description, ...rest } = operation;
  return { ...rest, discriminator: { propertyName: 'op' }, oneOf: branches };
}

function compileValidators(): Validators {
  // verbose: errors carry the offending value, which messages quote.
  // discriminator: the keyword of the dispatched Operation only (no shipped schema uses it).
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: false, verbose: true, discriminator: true });
  addFormats(ajv, ['date-time']);
  ajv.addKeyword({ keyword: 'x-apigw-replace', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'x-apigw-secret', schemaType: 'boolean' });
  // A field's own words for any way it is wrong, instead of the failing keyword's.
  ajv.addKeyword({ keyword: 'x-apigw-message', schemaType: 'string' });
  const current = documentSchema();
  ajv.addSchema(current);
  // The batch schema's kinds are the registry's, kinds defined with defineKind included.
  const batchSchema = composeBatchSchema();
  const batchDefs = batchSchema['$defs'] as Record<string, SchemaNode>;
  batchDefs[DISPATCHED_OPERATION] = dispatchedOperation(batchDefs['Operation']!);
  ajv.addSchema(batchSchema);
  return {
    ajv,
    schema: current,
    document: ajv.getSchema(schema.$id) as ValidateFunction,
    kinds: new Map<Kind, ValidateFunction>(
      KINDS.filter((k) => k.schema === undefined).map(({ kind, definition }) => [kind, ajv.getSchema(`${schema.$id}#/$defs/${definition}`) as ValidateFunction]),
    ),
    envelope: ajv.getSchema(`${batch.$id}#/$defs/Envelope`) as ValidateFunction,
    operation: ajv.getSchema(`${batch.$id}#/$defs/Operation`) as ValidateFunction,
    operationVerdict: ajv.getSchema(`${batch.$id}#/$defs/${DISPATCHED_OPERATION}`) as ValidateFunction,
  };
}

let validators = compileValidators();
onBackendTypeDefined(() => (validators = compileValidators()));
onKindDefined(() => (validators = compileValidators()));

/**
 * The problems of a batch body as a whole (batch.schema.json's Envelope:
 * the fields, the stack, the revision, that operations is a list), each a
 * SCHEMA_VIOLATION with its pointer; empty when the envelope is sound.
 * The operations are checked one by one with operationProblems.
 */
export function batchEnvelopeProblems(input: unknown): Problem[] {
  const { envelope } = validators;
  return envelope(input) ? [] : schemaProblems(envelope.errors ?? [], '');
}

/**
 * The problems of one operation's shape (batch.schema.json's Operation:
 * its op, the fields that op takes, their forms), at `pointer`. A create or
 * update spec is only checked to be an object: its kind's schema is
 * validateResource's.
 */
export function operationProblems(input: unknown, pointer: string): Problem[] {
  const { operation, operationVerdict } = validators;
  if (operationVerdict(input)) return [];
  return operation(input) ? [] : schemaProblems(operation.errors ?? [], pointer);
}

/** The validator of one resource of a kind; a kind defined with defineKind has its schema compiled on first use. */
function kindValidator(kind: Kind): ValidateFunction {
  let validator = validators.kinds.get(kind);
  if (!validator) {
    const own = kindInfo(kind).schema;
    if (!own) throw new TypeError(`unknown kind ${kind}`);
    validator = validators.ajv.compile(own);
    validators.kinds.set(kind, validator);
  }
  return validator;
}

/** The document schema's definitions (`$defs`) as the validator uses them, backend types defined with defineBackendType included. */
export function documentDefinitions(): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
  return validators.schema['$defs'] as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The JSON Schema of one resource of a kind (gateway.schema.json's definition, or the one defineKind was given). */
export function kindSchema(kind: Kind): Readonly<Record<string, unknown>> {
  const info = kindInfo(kind);
  return info.schema ?? ((validators.schema['$defs'] as Record<string, Readonly<Record<string, unknown>>>)[info.definition] ?? {});
}

/**
 * Validates the collections of kinds defined with defineKind (which the
 * document schema does not know): each is taken out of `data`, checked
 * resource by resource, and put back (an absent one as an empty list).
 */
function definedCollectionProblems(data: unknown): { problems: Problem[]; restore: () => void } {
  const problems: Problem[] = [];
  const taken: [string, unknown[]][] = [];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { problems, restore: () => undefined };
  const record = data as Record<string, unknown>;
  for (const { kind, collection, schema: own } of KINDS) {
    if (!own) continue;
    const items = record[collection] ?? [];
    delete record[collection];
    if (!Array.isArray(items)) {
      problems.push({ code: 'SCHEMA_VIOLATION', pointer: `/${collection}`, message: 'must be array' });
      continue;
    }
    const validator = kindValidator(kind);
    items.forEach((item, i) => {
      if (!validator(item)) problems.push(...schemaProblems(validator.errors ?? [], `/${collection}/${i}`));
    });
    taken.push([collection, items]);
  }
  return { problems, restore: () => taken.forEach(([collection, items]) => (record[collection] = items)) };
}

/**
 * Validates a whole document: the schema first (defaults filled in), then
 * every rule that spans resources. Returns the canonical document, or every
 * problem found, each with a code and a JSON pointer. The input is never
 * modified.
 */
export function validateDocument(input: unknown): ValidationResult<GatewayDocument> {
  const cloned = jsonData(input, '');
  if (!cloned.ok) return cloned;
  const data = cloned.value;
  const defined = definedCollectionProblems(data);
  const { document } = validators;
  const valid = document(data);
  defined.restore();
  if (!valid || defined.problems.length > 0) return { ok: false, problems: [...schemaProblems(document.errors ?? [], ''), ...defined.problems] };
  const doc = data as GatewayDocument;
  const problems = semanticProblems(doc);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: canonicalDocument(doc) };
}

/** Like validateDocument, but throws DocumentInvalidError listing every problem. */
export function parseDocument(input: unknown): GatewayDocument {
  const result = validateDocument(input);
  if (!result.ok) throw new DocumentInvalidError(result.problems);
  return result.value;
}

/**
 * Validates one resource against its kind's schema definition, defaults
 * filled in; pointers are prefixed with `pointerPrefix` (an admin API body
 * is usually validated at ``). Cross-resource rules are the caller's.
 */
export function validateResource<K extends Kind>(kind: K, input: unknown, pointerPrefix = ''): ValidationResult<KindSpecs[K]> {
  const validator = kindValidator(kind);
  const cloned = jsonData(input, pointerPrefix);
  if (!cloned.ok) return cloned;
  const data = cloned.value;
  if (!validator(data)) return { ok: false, problems: schemaProblems(validator.errors ?? [], pointerPrefix) };
  return { ok: true, value: data as KindSpecs[K] };
}

/**
 * A deep copy of `input` as JSON data, read the way JSON.stringify reads it
 * (`toJSON()` is honoured, object properties whose value is undefined are
 * absent), so a document built in code validates exactly like the JSON text
 * it would be written as. Values JSON cannot carry (functions, symbols,
 * bigints, non-finite numbers, holes, cycles) are reported as problems
 * instead of being silently dropped or mangled. Never throws.
 */
function jsonData(input: unknown, root: string): ValidationResult<unknown> {
  // Plain JSON data (the common case: parsed JSON, or objects built of plain
  // values) is copied without tracking pointers; anything else takes the
  // careful walk below, which names each problem.
  try {
    return { ok: true, value: plainCopy(input, 0) };
  } catch {
    return carefulJsonData(input, root);
  }
}

/** Thrown by plainCopy when a value needs the careful walk. */
const NOT_PLAIN = new Error('not plain JSON data');

/** Nesting beyond this takes the careful walk (which also tells a cycle from deep data). */
const PLAIN_DEPTH = 256;

/**
 * A copy of plain JSON data (strings, finite numbers, booleans, null,
 * arrays without undefined items, objects without toJSON or a
 * `__proto__` key), the same value the careful walk returns for it.
 * Throws for anything else.
 */
function plainCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw NOT_PLAIN;
    case 'object':
      break;
    default:
      throw NOT_PLAIN;
  }
  if (value === null) return null;
  if (depth > PLAIN_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw NOT_PLAIN;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw NOT_PLAIN;
      out.push(plainCopy(item, depth + 1));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === '__proto__') throw NOT_PLAIN;
    const item: unknown = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = plainCopy(item, depth + 1);
  }
  return out;
}

/** jsonData for any input: a copy, or every place that is not JSON data. */
function carefulJsonData(input: unknown, root: string): ValidationResult<unknown> {
  const problems: Problem[] = [];
  const ancestors = new Set<object>();
  const bad = (pointer: string, what: string) =>
    problems.push({ code: 'SCHEMA_VIOLATION', pointer, message: `must be JSON data, not ${what}` });

  const copy = (value: unknown, pointer: string): unknown => {
    let v = value;
    try {
      if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
        v = (v as { toJSON: () => unknown }).toJSON();
    } catch (err) {
      bad(pointer, `a value whose toJSON() fails (${err instanceof Error ? err.message : String(err)})`);
      return undefined;
    }
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (!Number.isFinite(v)) bad(pointer, String(v));
        return v;
      case 'object':
        break;
      default:
        bad(pointer, v === undefined ? 'undefined' : `a ${typeof v}`);
        return undefined;
    }
    if (v === null) return null;
    if (ancestors.has(v)) {
      bad(pointer, 'a reference to one of its own ancestors (a cycle)');
      return undefined;
    }
    ancestors.add(v);
    try {
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          const at = `${pointer}/${i}`;
          if (item === undefined) bad(at, 'undefined');
          else out.push(copy(item, at));
        }
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        const item: unknown = (v as Record<string, unknown>)[key];
        if (item === undefined) continue;
        // defineProperty keeps a key such as "__proto__" an ordinary (and unknown) field.
        Object.defineProperty(out, key, { value: copy(item, `${pointer}/${pointerToken(key)}`), enumerable: true, writable: true, configurable: true });
      }
      return out;
    } catch (err) {
      bad(pointer, `a value that cannot be read (${err instanceof Error ? err.message : String(err)})`);
      return undefined;
    } finally {
      ancestors.delete(v);
    }
  };

  const value = copy(input, root);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

function schemaProblems(errors: readonly ErrorObject[], prefix: string): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  // An anyOf is one problem, in the words of its description, not one per alternative.
  const alternatives = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword === 'if' || (e.keyword !== 'anyOf' && alternatives.has(e.instancePath))) continue;
    let pointer = prefix + e.instancePath;
    let message: string;
    switch (e.keyword) {
      case 'required':
        pointer += `/${pointerToken(String(e.params.missingProperty))}`;
        message = `${String(e.params.missingProperty)} is required`;
        break;
      case 'additionalProperties':
        pointer += `/${pointerToken(String(e.params.additionalProperty))}`;
        message = `unknown field ${String(e.params.additionalProperty)}`;
        break;
      case 'enum':
        message = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'const':
        message = `must be ${JSON.stringify(e.params.allowedValue)}`;
        break;
      case 'pattern':
        message = `${JSON.stringify(e.data)} does not match ${describePattern(e.schemaPath)}`;
        break;
      case 'propertyNames':
        continue; // reported by the nested pattern error, which names the property
      case 'anyOf': {
        const description = (e.parentSchema as { description?: unknown } | undefined)?.description;
        message = typeof description === 'string' ? `must be ${description}` : 'matches none of the allowed forms';
        break;
      }
      default:
        message = e.message ?? `fails ${e.keyword}`;
    }
    const own = (e.parentSchema as { 'x-apigw-message'?: unknown } | undefined)?.['x-apigw-message'];
    if (typeof own === 'string') message = own;
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ code: 'SCHEMA_VIOLATION', pointer, message });
  }
  return problems;
}

function describePattern(schemaPath: string): string {
  if (schemaPath.includes('/Name/')) return 'the name rule (a letter, then letters, digits or underscores; 4 to 50 characters)';
  if (schemaPath.includes('/ApiRef/')) return 'group/name';
  if (schemaPath.includes('/path/')) return 'a path template (/segment/{param}/...)';
  if (schemaPath.includes('/url/')) return 'an http:// or https:// URL (host, optional port and path; no query)';
  if (schemaPath.includes('/domains/')) return 'a host name';
  if (schemaPath.includes('/vpcId/')) return 'a VPC id (vpc-...)';
  if (schemaPath.includes('/basePath/')) return 'a base path (/ or /segment/...)';
  return 'the required pattern';
}

/** The rules that span resources (see rules.ts); the document already matches the schema. */
function semanticProblems(doc: GatewayDocument): Problem[] {
  const resources: Record<string, RuleResource<Kind, string>[]> = {};
  for (const { kind, collection } of KINDS) resources[kind] = (doc[collection] as KindSpecs[Kind][]).map((spec, i) => ({ spec, place: `/${collection}/${i}` }));
  const problems: Problem[] = checkRules<string>({ resources, ...(doc.imports ? { imports: doc.imports } : {}) }).map((f) => ({
    code: f.code,
    pointer: f.place + f.pointer,
    message: f.message,
  }));

  // Imported resources are known by name only; defining one as well is a contradiction.
  const imports = (doc.imports ?? {}) as Record<string, readonly string[] | undefined>;
  for (const { kind, collection, label, importable } of KINDS) {
    if (!importable) continue;
    const defined = new Set((doc[collection] as KindSpecs[Kind][]).map((spec) => resourceId(kind, spec)));
    (imports[collection] ?? []).forEach((name, i) => {
      if (defined.has(name))
        problems.push({ code: 'DUPLICATE_NAME', pointer: `/imports/${collection}/${i}`, message: `${label} ${name} is imported but this document also defines it` });
    });
  }
  return problems;
}

/** The pointer of a resource in a document, for messages about it. */
export function resourcePointer(kind: Kind, index: number): string {
  return `/${kindInfo(kind).collection}/${index}`;
}
