import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from '../gateway.schema.json';
import { canonicalDocument } from './canonical';
import type { Api, BackendService, GatewayDocument, Stage } from './document.generated';
import { DocumentInvalidError, type Problem, type ProblemCode } from './errors';
import { KINDS, apiId, authorizationId, kindInfo, resourceId, type Kind, type KindSpecs } from './kinds';
import { parsesAs } from './parameter-value';
import { pathParameterNames, pathShape } from './path-template';

/** The outcome of validating a document or a resource body. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** The gateway document schema (JSON Schema 2020-12), as shipped. */
export const gatewaySchema: Readonly<Record<string, unknown>> = schema;

// verbose: errors carry the offending value, which messages quote.
const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: false, verbose: true });
addFormats(ajv, ['date-time']);
ajv.addKeyword({ keyword: 'x-apigw-replace', schemaType: 'boolean' });
ajv.addKeyword({ keyword: 'x-apigw-secret', schemaType: 'boolean' });
ajv.addSchema(schema);

const documentValidator = ajv.getSchema(schema.$id) as ValidateFunction;
const kindValidators = new Map<Kind, ValidateFunction>(
  KINDS.map(({ kind, definition }) => [kind, ajv.getSchema(`${schema.$id}#/$defs/${definition}`) as ValidateFunction]),
);

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
  if (!documentValidator(data)) return { ok: false, problems: schemaProblems(documentValidator.errors ?? [], '') };
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
  const validator = kindValidators.get(kind);
  if (!validator) throw new TypeError(`unknown kind ${kind}`);
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

/** Escapes one JSON-pointer token (RFC 6901). */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

function schemaProblems(errors: readonly ErrorObject[], prefix: string): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of errors) {
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
      default:
        message = e.message ?? `fails ${e.keyword}`;
    }
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

/** The rules that span resources; the document already matches the schema. */
function semanticProblems(doc: GatewayDocument): Problem[] {
  const problems: Problem[] = [];
  const add = (code: ProblemCode, pointer: string, message: string) => problems.push({ code, pointer, message });

  // Identities are unique per kind.
  for (const { kind, collection, label } of KINDS) {
    const seen = new Map<string, number>();
    (doc[collection] as KindSpecs[Kind][]).forEach((spec, i) => {
      const id = resourceId(kind, spec);
      const first = seen.get(id);
      if (first === undefined) seen.set(id, i);
      else add('DUPLICATE_NAME', `/${collection}/${i}`, `${label} ${id} is already defined at /${collection}/${first}`);
    });
  }

  // Imported resources are known by name only; defining one as well is a contradiction.
  const imports = doc.imports ?? {};
  for (const { kind, collection, label } of KINDS) {
    if (collection === 'authorizations') continue;
    const defined = new Set((doc[collection] as KindSpecs[Kind][]).map((spec) => resourceId(kind, spec)));
    (imports[collection] ?? []).forEach((name, i) => {
      if (defined.has(name)) add('DUPLICATE_NAME', `/imports/${collection}/${i}`, `${label} ${name} is imported but this document also defines it`);
    });
  }
  const known = (names: string[], imported: string[] | undefined) => new Set([...names, ...(imported ?? [])]);
  const vpcAccesses = known(doc.vpcAccesses.map((v) => v.name), imports.vpcAccesses);
  const backends = new Map(doc.backendServices.map((b) => [b.name, b]));
  const importedBackends = new Set(imports.backendServices);
  const groups = known(doc.groups.map((g) => g.name), imports.groups);
  const apps = known(doc.apps.map((a) => a.name), imports.apps);
  const apis = new Map(doc.apis.map((a) => [apiId(a), a]));
  const importedApis = new Set(imports.apis);

  doc.backendServices.forEach((b, i) => checkEnvironments(b, `/backendServices/${i}`, vpcAccesses, add));

  // A domain routes to one group; a certificate is for a bound domain.
  const domainOwner = new Map<string, string>();
  doc.groups.forEach((g, i) => {
    g.domains.forEach((d, j) => {
      const key = d.toLowerCase();
      const owner = domainOwner.get(key);
      if (owner !== undefined && owner !== g.name) add('DUPLICATE_DOMAIN', `/groups/${i}/domains/${j}`, `domain ${d} is already bound to group ${owner}`);
      else domainOwner.set(key, g.name);
    });
    g.certificates.forEach((c, j) => {
      if (!g.domains.some((d) => d.toLowerCase() === c.domain.toLowerCase()))
        add('UNKNOWN_REFERENCE', `/groups/${i}/certificates/${j}/domain`, `certificate domain ${c.domain} is not one of group ${g.name}'s domains`);
    });
  });

  const routes = new Map<string, string>();
  doc.apis.forEach((api, i) => {
    const at = `/apis/${i}`;
    const id = apiId(api);
    if (!groups.has(api.group)) add('UNKNOWN_REFERENCE', `${at}/group`, `api ${id} names group ${api.group}, which is not defined`);
    const backend = backends.get(api.backend.service);
    if (!backend && !importedBackends.has(api.backend.service)) add('UNKNOWN_REFERENCE', `${at}/backend/service`, `api ${id} names backend service ${api.backend.service}, which is not defined`);
    else if (backend)
      api.stages.forEach((stage, j) => {
        if (!backend.environments[stage])
          add('STAGE_WITHOUT_BACKEND', `${at}/stages/${j}`, `api ${id} is published to ${stage} but backend service ${backend.name} has no ${stage} definition`);
      });
    checkOssAction(api, at, backend, add);
    checkParameters(api, at, add);
    const shape = `${pathShape(api.request.path)}${api.request.matchAllChildPaths ? '/**' : ''}`;
    const methods = api.request.method === 'ANY' ? HTTP_METHODS : [api.request.method];
    const clash = methods.map((m) => routes.get(`${api.group} ${m} ${shape}`)).find((other) => other !== undefined);
    if (clash !== undefined)
      add('ROUTE_CONFLICT', `${at}/request/path`, `api ${id} answers ${api.request.method} ${api.request.path}, as api ${clash} of group ${api.group} already does`);
    for (const m of methods) routes.set(`${api.group} ${m} ${shape}`, id);
  });

  doc.authorizations.forEach((a, i) => {
    const at = `/authorizations/${i}`;
    if (!apps.has(a.app)) add('UNKNOWN_REFERENCE', `${at}/app`, `authorization ${authorizationId(a)} names app ${a.app}, which is not defined`);
    const api = apis.get(a.api);
    if (!api && !importedApis.has(a.api)) add('UNKNOWN_REFERENCE', `${at}/api`, `authorization ${authorizationId(a)} names api ${a.api}, which is not defined`);
    else if (api)
      a.stages.forEach((stage, j) => {
        if (!api.stages.includes(stage))
          add('AUTHORIZATION_STAGE_UNPUBLISHED', `${at}/stages/${j}`, `app ${a.app} is authorized for api ${a.api} in ${stage}, but the api is not published to ${stage}`);
      });
  });

  return problems;
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

type Add = (code: ProblemCode, pointer: string, message: string) => void;

const ENVIRONMENT_FIELD: Record<BackendService['type'], 'url' | 'vpcAccess' | 'mock' | 'function' | 'oss'> = {
  HTTP: 'url',
  VPC: 'vpcAccess',
  MOCK: 'mock',
  FUNCTION: 'function',
  OSS: 'oss',
};

/**
 * The OSS actions each method may perform (Alibaba's method to action
 * table). A method without an entry cannot reach an OSS backend.
 */
export const OSS_ACTIONS_BY_METHOD: Readonly<Record<string, readonly OssAction[]>> = {
  GET: ['GetObject'],
  PUT: ['PutObject'],
  POST: ['PostObject', 'AppendObject'],
  HEAD: ['HeadObject', 'GetObjectMeta'],
  DELETE: ['DeleteObject'],
};

/** An OSS object action. */
export type OssAction = NonNullable<Api['backend']['ossAction']>;

function checkOssAction(api: Api, at: string, backend: BackendService | undefined, add: Add): void {
  const action = api.backend.ossAction;
  if (action === undefined) return;
  const id = apiId(api);
  if (backend !== undefined && backend.type !== 'OSS') {
    add('OSS_ACTION_MISMATCH', `${at}/backend/ossAction`, `api ${id} names OSS action ${action}, but backend service ${backend.name} is of type ${backend.type}`);
    return;
  }
  // The method the backend receives: the backend's own, else the request's (ANY: any method, checked per request).
  const method = api.backend.method !== 'ANY' ? api.backend.method : api.request.method;
  if (method === 'ANY') return;
  if (!(OSS_ACTIONS_BY_METHOD[method] ?? []).includes(action))
    add('OSS_ACTION_MISMATCH', `${at}/backend/ossAction`, `api ${id} sends ${method} to its OSS backend, which cannot perform ${action}`);
}

function checkEnvironments(b: BackendService, at: string, vpcAccesses: ReadonlySet<string>, add: Add): void {
  const needed = ENVIRONMENT_FIELD[b.type];
  for (const [stage, env] of Object.entries(b.environments) as [Stage, Record<string, unknown>][]) {
    const envAt = `${at}/environments/${stage}`;
    if (env[needed] === undefined) add('ENVIRONMENT_SHAPE', `${envAt}/${needed}`, `backend service ${b.name} is of type ${b.type}, so its ${stage} definition needs ${needed}`);
    for (const field of Object.keys(env)) {
      const fits = field === needed || (b.type === 'VPC' && field === 'https');
      if (!fits) add('ENVIRONMENT_SHAPE', `${envAt}/${field}`, `backend service ${b.name} is of type ${b.type}; ${field} does not apply to it`);
    }
    const fn = env['function'] as { type?: string; url?: string } | undefined;
    if (b.type === 'FUNCTION' && fn !== undefined) {
      if ((fn.type ?? 'EVENT') === 'HTTP' && fn.url === undefined)
        add('ENVIRONMENT_SHAPE', `${envAt}/function/url`, `backend service ${b.name}'s ${stage} function has an HTTP trigger, so it needs url`);
      if ((fn.type ?? 'EVENT') === 'EVENT' && fn.url !== undefined)
        add('ENVIRONMENT_SHAPE', `${envAt}/function/url`, `backend service ${b.name}'s ${stage} function is an EVENT function; url applies to HTTP functions only`);
    }
    const vpc = env['vpcAccess'];
    if (b.type === 'VPC' && typeof vpc === 'string' && !vpcAccesses.has(vpc))
      add('UNKNOWN_REFERENCE', `${envAt}/vpcAccess`, `backend service ${b.name} names VPC access ${vpc}, which is not defined`);
  }
}

function checkParameters(api: Api, at: string, add: Add): void {
  const id = apiId(api);
  const params = api.request.parameters;
  const seen = new Set<string>();
  const repeated = new Set<number>();
  params.forEach((p, i) => {
    const key = `${p.in} ${p.in === 'HEAD' ? p.name.toLowerCase() : p.name}`;
    if (seen.has(key)) {
      repeated.add(i);
      add('DUPLICATE_PARAMETER', `${at}/request/parameters/${i}`, `api ${id} declares ${p.in} parameter ${p.name} twice`);
    }
    seen.add(key);
    if (p.default !== undefined && !parsesAs(p.type, p.default))
      add('DEFAULT_TYPE_MISMATCH', `${at}/request/parameters/${i}/default`, `default ${JSON.stringify(p.default)} of parameter ${p.name} is not a valid ${p.type}`);
  });

  // Two parameters must not land in the same place of the backend request.
  const targets = new Map<string, string>();
  params.forEach((p, i) => {
    const where = p.backendIn ?? p.in;
    const name = p.backendName ?? p.name;
    const key = `${where} ${where === 'HEAD' ? name.toLowerCase() : name}`;
    const first = targets.get(key);
    if (first !== undefined && !repeated.has(i))
      add('DUPLICATE_PARAMETER', `${at}/request/parameters/${i}`, `api ${id} sends parameters ${first} and ${p.name} both to backend ${where} parameter ${name}`);
    else targets.set(key, p.name);
  });

  // Request path: every {name} is a declared PATH parameter, and the reverse; a name appears once.
  const requestNames = pathParameterNames(api.request.path);
  const inPath = new Set(requestNames);
  for (const name of inPath)
    if (requestNames.indexOf(name) !== requestNames.lastIndexOf(name))
      add('DUPLICATE_PARAMETER', `${at}/request/path`, `request path ${api.request.path} uses {${name}} more than once`);
  for (const name of inPath)
    if (!params.some((p) => p.in === 'PATH' && p.name === name))
      add('PATH_PARAMETER_UNDECLARED', `${at}/request/path`, `request path ${api.request.path} uses {${name}}, which is not declared as a PATH parameter`);
  params.forEach((p, i) => {
    if (p.in === 'PATH' && !inPath.has(p.name))
      add('PATH_PARAMETER_UNUSED', `${at}/request/parameters/${i}`, `PATH parameter ${p.name} does not appear in request path ${api.request.path}`);
  });

  // Backend path: every {name} is fed by a parameter sent to the backend's path, and the reverse.
  const toBackendPath = new Map<string, number>();
  params.forEach((p, i) => {
    const name = p.backendName ?? p.name;
    if ((p.backendIn ?? p.in) === 'PATH' && !toBackendPath.has(name)) toBackendPath.set(name, i);
  });
  const inBackendPath = new Set(pathParameterNames(api.backend.path));
  for (const name of inBackendPath)
    if (!toBackendPath.has(name))
      add('PATH_PARAMETER_UNDECLARED', `${at}/backend/path`, `backend path ${api.backend.path} uses {${name}}, which no parameter is mapped to`);
  for (const [name, i] of toBackendPath)
    if (!inBackendPath.has(name))
      add('PATH_PARAMETER_UNUSED', `${at}/request/parameters/${i}`, `parameter ${params[i]!.name} is sent to the backend path as {${name}}, which backend path ${api.backend.path} does not contain`);
}

/** The pointer of a resource in a document, for messages about it. */
export function resourcePointer(kind: Kind, index: number): string {
  return `/${kindInfo(kind).collection}/${index}`;
}
