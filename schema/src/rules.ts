/**
 * The rules that span resources (identities unique per kind, references
 * that resolve, a domain bound once, a route answered once, path parameters
 * that match their paths...), as functions over typed sets of resources.
 * Each rule reports per resource: a problem names the resource's `place`
 * (whatever the caller uses to locate it: a JSON pointer in a document, an
 * operation of a batch) and a pointer within the resource. A resource
 * given without a place is context: rules read it, and nothing is reported
 * on it. The validator runs every rule over a document; the runtime runs
 * the rules it needs over the part of its state a batch touched.
 */
import type { Api, Imports, Stage } from './document.generated';
import type { ProblemCode } from './errors';
import { backendTypeInfo } from './backend-types';
import { HTTP_METHODS, KINDS, describeResource, kindInfo, type Kind, type KindSpecs } from './kinds';
import { attachmentTargets, onePluginPerType, pluginConfigs } from './plugin-rules';
import { parsesAs } from './parameter-value';
import { pointerToken } from './pointer';
import { pathParameterNames, pathShape } from './path-template';

/** One resource given to the rules: its spec and, unless it is context only, where it is. */
export interface RuleResource<K extends Kind, P> {
  readonly spec: KindSpecs[K];
  readonly place?: P;
}

/** What the rules read: resources by kind (absent kinds are empty), and the names a document imports. */
export interface RuleInput<P> {
  readonly resources: { readonly [K in Kind]?: readonly RuleResource<K, P>[] };
  readonly imports?: Imports;
}

/** One problem, on the resource at `place`; `pointer` is within that resource. */
export interface Finding<P> {
  readonly place: P;
  readonly code: ProblemCode;
  readonly pointer: string;
  readonly message: string;
}

/** How a rule reports: on a resource (ignored for context resources), at a pointer within it. */
export type Report<P> = (resource: RuleResource<Kind, P>, code: ProblemCode, pointer: string, message: string) => void;

/** A rule over a set of resources. */
export type Rule = <P>(input: RuleInput<P>, report: Report<P>) => void;

/** Runs rules over a set of resources; findings come in rule order, then resource order. */
export function checkRules<P>(input: RuleInput<P>, rules: readonly Rule[] = DOCUMENT_RULES): Finding<P>[] {
  const out: Finding<P>[] = [];
  const report: Report<P> = (resource, code, pointer, message) => {
    if (resource.place !== undefined) out.push({ place: resource.place, code, pointer, message });
  };
  for (const rule of rules) rule(input, report);
  return out;
}

function resources<K extends Kind, P>(input: RuleInput<P>, kind: K): readonly RuleResource<K, P>[] {
  return (input.resources[kind] ?? []) as readonly RuleResource<K, P>[];
}

/** Identities are unique per kind; the later resource is reported. */
export const uniqueIdentities: Rule = (input, report) => {
  for (const { kind, label } of KINDS) {
    const seen = new Map<string, { place?: unknown }>();
    for (const r of resources(input, kind)) {
      const id = kindInfo(kind).id(r.spec as never);
      const first = seen.get(id);
      if (first === undefined) seen.set(id, r);
      else report(r, 'DUPLICATE_NAME', '', `${label} ${id} is already defined${first.place === undefined ? '' : ` at ${String(first.place)}`}`);
    }
  }
};

/** Every reference names a resource that is given (or imported). */
export const knownReferences: Rule = (input, report) => {
  const known = new Map<Kind, Set<string>>();
  const idsOf = (kind: Kind): Set<string> => {
    let ids = known.get(kind);
    if (!ids) {
      const info = kindInfo(kind);
      ids = new Set(resources(input, kind).map((r) => info.id(r.spec as never)));
      const imported = info.importable ? (input.imports as Record<string, readonly string[] | undefined> | undefined)?.[info.collection] : undefined;
      for (const name of imported ?? []) ids.add(name);
      known.set(kind, ids);
    }
    return ids;
  };
  for (const info of KINDS)
    for (const r of resources(input, info.kind))
      for (const ref of info.references(r.spec as never))
        if (!idsOf(ref.kind).has(ref.id))
          report(r, 'UNKNOWN_REFERENCE', ref.pointer, `${describeResource(info.kind, info.id(r.spec as never))} names ${describeResource(ref.kind, ref.id)}, which is not defined`);
};

/** A backend service's environment definitions carry the one field its type needs, and only the fields its type allows (see backend-types.ts). */
export const environmentShapes: Rule = (input, report) => {
  for (const r of resources(input, 'backendService')) {
    const b = r.spec;
    const info = backendTypeInfo(b.type);
    if (info === undefined) continue;
    const needed = info.field;
    for (const [stage, env] of Object.entries(b.environments) as [Stage, Record<string, unknown>][]) {
      const at = `/environments/${stage}`;
      if (env[needed] === undefined) report(r, 'ENVIRONMENT_SHAPE', `${at}/${needed}`, `backend service ${b.name} is of type ${b.type}, so its ${stage} definition needs ${needed}`);
      for (const field of Object.keys(env)) {
        const fits = field === needed || (info.optional ?? []).includes(field);
        if (!fits) report(r, 'ENVIRONMENT_SHAPE', `${at}/${field}`, `backend service ${b.name} is of type ${b.type}; ${field} does not apply to it`);
      }
      const fn = env['function'] as { type?: string; url?: string } | undefined;
      if (b.type === 'FUNCTION' && fn !== undefined) {
        if ((fn.type ?? 'EVENT') === 'HTTP' && fn.url === undefined)
          report(r, 'ENVIRONMENT_SHAPE', `${at}/function/url`, `backend service ${b.name}'s ${stage} function has an HTTP trigger, so it needs url`);
        if ((fn.type ?? 'EVENT') === 'EVENT' && fn.url !== undefined)
          report(r, 'ENVIRONMENT_SHAPE', `${at}/function/url`, `backend service ${b.name}'s ${stage} function is an EVENT function; url applies to HTTP functions only`);
      }
    }
  }
};

/** A domain routes to one group; the later group is reported. */
export const uniqueDomains: Rule = (input, report) => {
  const owner = new Map<string, string>();
  for (const r of resources(input, 'group')) {
    const g = r.spec;
    g.domains.forEach((d, j) => {
      const key = d.toLowerCase();
      const first = owner.get(key);
      if (first !== undefined && first !== g.name) report(r, 'DUPLICATE_DOMAIN', `/domains/${j}`, `domain ${d} is already bound to group ${first}`);
      else owner.set(key, g.name);
    });
  }
};

/** A group's certificates are for its own domains. */
export const certificateDomains: Rule = (input, report) => {
  for (const r of resources(input, 'group')) {
    const g = r.spec;
    g.certificates.forEach((c, j) => {
      if (!g.domains.some((d) => d.toLowerCase() === c.domain.toLowerCase()))
        report(r, 'UNKNOWN_REFERENCE', `/certificates/${j}/domain`, `certificate domain ${c.domain} is not one of group ${g.name}'s domains`);
    });
  }
};

/** Characters an HTTP header value may not carry (RFC 9110 field-value: no CR, LF, NUL or other controls but tab). */
const HEADER_VALUE_FORBIDDEN = /[^\t\x20-\x7e\x80-\xff]/;

/** Headers a MOCK answer may not set: the gateway frames the answer itself. */
const FRAMING_HEADERS: ReadonlySet<string> = new Set(['transfer-encoding', 'content-length']);

/**
 * A MOCK answer is one the gateway can serve as written: a final status
 * (not 1xx), no body where the status forbids one (204, 304), header values
 * without control characters, no framing headers, and no `X-Ca-Error-*`
 * header (the gateway's own error signal, which a mock would forge).
 */
export const servableMocks: Rule = (input, report) => {
  for (const r of resources(input, 'backendService')) {
    const b = r.spec;
    if (b.type !== 'MOCK') continue;
    for (const [stage, env] of Object.entries(b.environments)) {
      const mock = env?.mock;
      if (!mock) continue;
      const at = `/environments/${stage}/mock`;
      const status = mock.statusCode;
      if (status < 200)
        report(r, 'MOCK_UNSERVABLE', `${at}/statusCode`, `backend service ${b.name}'s ${stage} mock answers ${status}, an informational status; a mock answer needs a final status (200-599)`);
      if ((status === 204 || status === 304) && (mock.body ?? '').length > 0)
        report(r, 'MOCK_UNSERVABLE', `${at}/body`, `backend service ${b.name}'s ${stage} mock answers ${status} with a body; a ${status} answer has none`);
      for (const [name, value] of Object.entries(mock.headers ?? {})) {
        const lower = name.toLowerCase();
        const where = `${at}/headers/${pointerToken(name)}`;
        if (value !== undefined && HEADER_VALUE_FORBIDDEN.test(value))
          report(r, 'MOCK_UNSERVABLE', where, `backend service ${b.name}'s ${stage} mock header ${name} has a control character (CR, LF, NUL...) in its value`);
        if (FRAMING_HEADERS.has(lower))
          report(r, 'MOCK_UNSERVABLE', where, `backend service ${b.name}'s ${stage} mock sets ${name}; the gateway frames the answer itself`);
        if (lower.startsWith('x-ca-error-'))
          report(r, 'MOCK_UNSERVABLE', where, `backend service ${b.name}'s ${stage} mock sets ${name}, which would pass the answer off as a gateway error`);
      }
    }
  }
};

/** An API is published only to stages its backend service defines (when the service is given). */
export const stagesWithBackend: Rule = (input, report) => {
  const backends = new Map(resources(input, 'backendService').map((r) => [r.spec.name, r.spec]));
  for (const r of resources(input, 'api')) {
    const api = r.spec;
    const backend = backends.get(api.backend.service);
    if (!backend) continue;
    api.stages.forEach((stage, j) => {
      if (!backend.environments[stage])
        report(r, 'STAGE_WITHOUT_BACKEND', `/stages/${j}`, `api ${describeApi(api)} is published to ${stage} but backend service ${backend.name} has no ${stage} definition`);
    });
  }
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

/**
 * An API's OSS action fits the method the backend receives, and goes to an
 * OSS backend service when the service is among the resources checked (the
 * method check needs the API alone).
 */
export const ossActions: Rule = (input, report) => {
  const backends = new Map(resources(input, 'backendService').map((r) => [r.spec.name, r.spec]));
  for (const r of resources(input, 'api')) {
    const api = r.spec;
    const action = api.backend.ossAction;
    if (action === undefined) continue;
    const id = describeApi(api);
    const backend = backends.get(api.backend.service);
    if (backend !== undefined && backend.type !== 'OSS') {
      report(r, 'OSS_ACTION_MISMATCH', '/backend/ossAction', `api ${id} names OSS action ${action}, but backend service ${backend.name} is of type ${backend.type}`);
      continue;
    }
    // The method the backend receives: the backend's own, else the request's (ANY: any method, checked per request).
    const method = api.backend.method !== 'ANY' ? api.backend.method : api.request.method;
    if (method === 'ANY') continue;
    if (!(OSS_ACTIONS_BY_METHOD[method] ?? []).includes(action))
      report(r, 'OSS_ACTION_MISMATCH', '/backend/ossAction', `api ${id} sends ${method} to its OSS backend, which cannot perform ${action}`);
  }
};

/** An API's parameters: declared once, defaults of their type, matching the request and backend paths. */
export const apiParameters: Rule = (input, report) => {
  for (const r of resources(input, 'api')) checkParameters(r.spec, (code, pointer, message) => report(r, code, pointer, message));
};

/**
 * The route key of an API: its group and the shape of the routes it answers
 * (path with parameter names erased, `/**` for child paths): `group
 * /users/{}`. Two APIs can clash only if their keys are equal.
 */
export function routeKey(api: { readonly group: string; readonly request: Pick<Api['request'], 'path' | 'matchAllChildPaths'> }): string {
  return `${api.group} ${pathShape(api.request.path)}${api.request.matchAllChildPaths ? '/**' : ''}`;
}

/** Two APIs of one group do not answer the same method and path; the later one is reported. */
export const uniqueRoutes: Rule = (input, report) => {
  const routes = new Map<string, string>();
  for (const r of resources(input, 'api')) {
    const api = r.spec;
    const id = describeApi(api);
    const key = routeKey(api);
    const methods = api.request.method === 'ANY' ? HTTP_METHODS : [api.request.method];
    const clash = methods.map((m) => routes.get(`${m} ${key}`)).find((other) => other !== undefined);
    if (clash !== undefined)
      report(r, 'ROUTE_CONFLICT', '/request/path', `api ${id} answers ${api.request.method} ${api.request.path}, as api ${clash} of group ${api.group} already does`);
    for (const m of methods) routes.set(`${m} ${key}`, id);
  }
};

/** An authorization grants only stages its API is published to (when the API is given). */
export const authorizedStagesPublished: Rule = (input, report) => {
  const apis = new Map(resources(input, 'api').map((r) => [describeApi(r.spec), r.spec]));
  for (const r of resources(input, 'authorization')) {
    const a = r.spec;
    const api = apis.get(a.api);
    if (!api) continue;
    a.stages.forEach((stage, j) => {
      if (!api.stages.includes(stage))
        report(r, 'AUTHORIZATION_STAGE_UNPUBLISHED', `/stages/${j}`, `app ${a.app} is authorized for api ${a.api} in ${stage}, but the api is not published to ${stage}`);
    });
  }
};

/** Every rule a document must pass, in the order problems are reported. */
export const DOCUMENT_RULES: readonly Rule[] = [
  uniqueIdentities,
  environmentShapes,
  servableMocks,
  uniqueDomains,
  certificateDomains,
  knownReferences,
  stagesWithBackend,
  ossActions,
  apiParameters,
  uniqueRoutes,
  authorizedStagesPublished,
  pluginConfigs,
  attachmentTargets,
  onePluginPerType,
];

/** The rules that read one resource alone: a resource can be checked with them before any other exists. */
export const RESOURCE_RULES: readonly Rule[] = [environmentShapes, servableMocks, certificateDomains, ossActions, apiParameters, pluginConfigs, attachmentTargets];

function describeApi(api: Api): string {
  return kindInfo('api').id(api);
}

type Add = (code: ProblemCode, pointer: string, message: string) => void;

function checkParameters(api: Api, add: Add): void {
  const id = describeApi(api);
  const params = api.request.parameters;
  const seen = new Set<string>();
  const repeated = new Set<number>();
  params.forEach((p, i) => {
    const key = `${p.in} ${p.in === 'HEAD' ? p.name.toLowerCase() : p.name}`;
    if (seen.has(key)) {
      repeated.add(i);
      add('DUPLICATE_PARAMETER', `/request/parameters/${i}`, `api ${id} declares ${p.in} parameter ${p.name} twice`);
    }
    seen.add(key);
    if (p.default !== undefined && !parsesAs(p.type, p.default))
      add('DEFAULT_TYPE_MISMATCH', `/request/parameters/${i}/default`, `default ${JSON.stringify(p.default)} of parameter ${p.name} is not a valid ${p.type}`);
  });

  // Two parameters must not land in the same place of the backend request.
  const targets = new Map<string, string>();
  params.forEach((p, i) => {
    const where = p.backendIn ?? p.in;
    const name = p.backendName ?? p.name;
    const key = `${where} ${where === 'HEAD' ? name.toLowerCase() : name}`;
    const first = targets.get(key);
    if (first !== undefined && !repeated.has(i))
      add('DUPLICATE_PARAMETER', `/request/parameters/${i}`, `api ${id} sends parameters ${first} and ${p.name} both to backend ${where} parameter ${name}`);
    else targets.set(key, p.name);
  });

  // Request path: every {name} is a declared PATH parameter, and the reverse; a name appears once.
  const requestNames = pathParameterNames(api.request.path);
  const inPath = new Set(requestNames);
  for (const name of inPath)
    if (requestNames.indexOf(name) !== requestNames.lastIndexOf(name))
      add('DUPLICATE_PARAMETER', '/request/path', `request path ${api.request.path} uses {${name}} more than once`);
  for (const name of inPath)
    if (!params.some((p) => p.in === 'PATH' && p.name === name))
      add('PATH_PARAMETER_UNDECLARED', '/request/path', `request path ${api.request.path} uses {${name}}, which is not declared as a PATH parameter`);
  params.forEach((p, i) => {
    if (p.in === 'PATH' && !inPath.has(p.name))
      add('PATH_PARAMETER_UNUSED', `/request/parameters/${i}`, `PATH parameter ${p.name} does not appear in request path ${api.request.path}`);
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
      add('PATH_PARAMETER_UNDECLARED', '/backend/path', `backend path ${api.backend.path} uses {${name}}, which no parameter is mapped to`);
  for (const [name, i] of toBackendPath)
    if (!inBackendPath.has(name))
      add('PATH_PARAMETER_UNUSED', `/request/parameters/${i}`, `parameter ${params[i]!.name} is sent to the backend path as {${name}}, which backend path ${api.backend.path} does not contain`);
}
