import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  DocumentInvalidError,
  PROBLEM_CODES,
  canonicalJson,
  parseDocument,
  validateDocument,
  validateResource,
  type GatewayDocument,
  type Problem,
  type ProblemCode,
} from '@apigw/schema';
import example from './fixtures/design-example.json';

/** The reference example document (fixtures/design-example.json), as plain mutable JSON. */
type Json = Record<string, any>;
function designExample(): Json {
  return structuredClone(example) as Json;
}

function problemsOf(input: unknown): Problem[] {
  const result = validateDocument(input);
  return result.ok ? [] : result.problems;
}

function codesAndPointers(input: unknown): [ProblemCode, string][] {
  return problemsOf(input).map((p) => [p.code, p.pointer]);
}

interface RuleCase {
  readonly name: string;
  readonly mutate: (doc: Json) => void;
  readonly expected: [ProblemCode, string][];
}

/** One broken document per rule (several for rules with several shapes). */
const CASES: RuleCase[] = [
  {
    name: 'a port out of range',
    mutate: (d) => (d.vpcAccesses[0].port = 70000),
    expected: [['SCHEMA_VIOLATION', '/vpcAccesses/0/port']],
  },
  {
    name: 'an unknown field',
    mutate: (d) => (d.groups[0].colour = 'blue'),
    expected: [['SCHEMA_VIOLATION', '/groups/0/colour']],
  },
  {
    name: 'a name that breaks the name rule',
    mutate: (d) => (d.apps[0].name = 'mob'),
    expected: [['SCHEMA_VIOLATION', '/apps/0/name']],
  },
  {
    name: 'a missing required field',
    mutate: (d) => delete d.apis[0].request.method,
    expected: [['SCHEMA_VIOLATION', '/apis/0/request/method']],
  },
  {
    name: 'a request path that is not a template',
    mutate: (d) => (d.apis[0].request.path = 'users/{id}'),
    expected: [['SCHEMA_VIOLATION', '/apis/0/request/path']],
  },
  {
    name: 'two apps with one name',
    mutate: (d) => d.apps.push({ name: 'mobile' }),
    expected: [['DUPLICATE_NAME', '/apps/1']],
  },
  {
    name: 'two APIs with one group/name',
    mutate: (d) => d.apis.push({ ...structuredClone(d.apis[0]), request: { method: 'POST', path: '/other' }, backend: { service: 'users', path: '/other' } }),
    expected: [['DUPLICATE_NAME', '/apis/1']],
  },
  {
    name: 'a name both defined and imported',
    mutate: (d) => (d.imports = { groups: ['shop'] }),
    expected: [['DUPLICATE_NAME', '/imports/groups/0']],
  },
  {
    name: 'a domain bound to two groups (case-insensitively)',
    mutate: (d) => d.groups.push({ name: 'shop_two', domains: ['API.shop.localhost'] }),
    expected: [['DUPLICATE_DOMAIN', '/groups/1/domains/0']],
  },
  {
    name: 'one parameter declared twice',
    mutate: (d) => d.apis[0].request.parameters.push({ name: 'verbose', in: 'QUERY' }),
    expected: [['DUPLICATE_PARAMETER', '/apis/0/request/parameters/2']],
  },
  {
    name: 'one path parameter used twice in the request path',
    mutate: (d) => (d.apis[0].request.path = '/users/{id}/friends/{id}'),
    expected: [['DUPLICATE_PARAMETER', '/apis/0/request/path']],
  },
  {
    name: 'two parameters mapped to one backend parameter',
    mutate: (d) => d.apis[0].request.parameters.push({ name: 'detail', in: 'QUERY', backendName: 'verbose' }),
    expected: [['DUPLICATE_PARAMETER', '/apis/0/request/parameters/2']],
  },
  {
    name: 'an API naming an undefined backend service',
    mutate: (d) => (d.apis[0].backend.service = 'nowhere'),
    expected: [['UNKNOWN_REFERENCE', '/apis/0/backend/service']],
  },
  {
    name: 'an API naming an undefined group',
    mutate: (d) => {
      d.apis[0].group = 'nowhere';
      d.authorizations[0].api = 'nowhere/getUser';
    },
    expected: [['UNKNOWN_REFERENCE', '/apis/0/group']],
  },
  {
    name: 'a VPC backend naming an undefined VPC access',
    mutate: (d) => (d.backendServices[1].environments.RELEASE.vpcAccess = 'nowhere'),
    expected: [['UNKNOWN_REFERENCE', '/backendServices/1/environments/RELEASE/vpcAccess']],
  },
  {
    name: 'an authorization naming an undefined app and API',
    mutate: (d) => {
      d.authorizations[0].app = 'nobody';
      d.authorizations[0].api = 'shop/nothing';
    },
    expected: [
      ['UNKNOWN_REFERENCE', '/authorizations/0/app'],
      ['UNKNOWN_REFERENCE', '/authorizations/0/api'],
    ],
  },
  {
    name: 'a certificate for a domain the group does not bind',
    mutate: (d) => (d.groups[0].certificates = [{ domain: 'other.localhost', certificatePem: 'x', privateKeyPem: 'y' }]),
    expected: [['UNKNOWN_REFERENCE', '/groups/0/certificates/0/domain']],
  },
  {
    name: 'an API published to a stage its backend does not define',
    mutate: (d) => d.apis[0].stages.push('PRE'),
    expected: [['STAGE_WITHOUT_BACKEND', '/apis/0/stages/2']],
  },
  {
    name: 'an HTTP environment without a url',
    mutate: (d) => (d.backendServices[0].environments.TEST = { vpcAccess: 'shop_vpc' }),
    expected: [
      ['ENVIRONMENT_SHAPE', '/backendServices/0/environments/TEST/url'],
      ['ENVIRONMENT_SHAPE', '/backendServices/0/environments/TEST/vpcAccess'],
    ],
  },
  {
    name: 'a MOCK environment without a mock',
    mutate: (d) => (d.backendServices[2].environments.TEST = {}),
    expected: [['ENVIRONMENT_SHAPE', '/backendServices/2/environments/TEST/mock']],
  },
  {
    name: 'a VPC environment without a vpcAccess',
    mutate: (d) => (d.backendServices[1].environments.RELEASE = { https: true }),
    expected: [['ENVIRONMENT_SHAPE', '/backendServices/1/environments/RELEASE/vpcAccess']],
  },
  {
    name: 'a request path using an undeclared parameter',
    mutate: (d) => (d.apis[0].request.path = '/users/{id}/{extra}'),
    expected: [['PATH_PARAMETER_UNDECLARED', '/apis/0/request/path']],
  },
  {
    name: 'a backend path using a parameter nothing is mapped to',
    mutate: (d) => (d.apis[0].backend.path = '/v1/users/{id}/{other}'),
    expected: [['PATH_PARAMETER_UNDECLARED', '/apis/0/backend/path']],
  },
  {
    name: 'a declared path parameter absent from the request path',
    mutate: (d) => (d.apis[0].request.path = '/users/me'),
    expected: [['PATH_PARAMETER_UNUSED', '/apis/0/request/parameters/0']],
  },
  {
    name: 'a path parameter absent from the backend path',
    mutate: (d) => (d.apis[0].backend.path = '/v1/users'),
    expected: [['PATH_PARAMETER_UNUSED', '/apis/0/request/parameters/0']],
  },
  {
    name: 'two APIs of one group answering one method and path',
    mutate: (d) =>
      d.apis.push({
        group: 'shop',
        name: 'getUserAgain',
        request: { method: 'GET', path: '/users/{uid}', parameters: [{ name: 'uid', in: 'PATH' }] },
        backend: { service: 'users', path: '/v2/users/{uid}' },
      }),
    expected: [['ROUTE_CONFLICT', '/apis/1/request/path']],
  },
  {
    name: 'an ANY API over a GET API of one group',
    mutate: (d) =>
      d.apis.push({
        group: 'shop',
        name: 'anyUser',
        request: { method: 'ANY', path: '/users/{key}', parameters: [{ name: 'key', in: 'PATH' }] },
        backend: { service: 'users', path: '/v2/users/{key}' },
      }),
    expected: [['ROUTE_CONFLICT', '/apis/1/request/path']],
  },
  {
    name: 'an authorization for a stage the API is not published to',
    mutate: (d) => (d.authorizations[0].stages = ['TEST', 'PRE']),
    expected: [['AUTHORIZATION_STAGE_UNPUBLISHED', '/authorizations/0/stages/1']],
  },
  {
    name: 'a plugin whose configuration sits under another type, a bad CIDR block and a wildcard origin with credentials',
    mutate: (d) => {
      d.plugins = [
        { name: 'mixed_up', type: 'CORS', trafficControl: { unit: 'SECOND', apiDefault: 1 } },
        { name: 'bad_blocks', type: 'IP_CONTROL', ipControl: { mode: 'DENY', cidrs: ['10.0.0.0/8', '10.0.0.300'] } },
        { name: 'open_cors', type: 'CORS', cors: { allowOrigins: ['*'], allowCredentials: true } },
      ];
    },
    expected: [
      ['PLUGIN_CONFIG', '/plugins/0/trafficControl'],
      ['PLUGIN_CONFIG', '/plugins/0'],
      ['PLUGIN_CONFIG', '/plugins/1/ipControl/cidrs/1'],
      ['PLUGIN_CONFIG', '/plugins/2/cors/allowOrigins/0'],
    ],
  },
  {
    name: 'a JWT plugin with two keys, and an attachment naming both an API and a group',
    mutate: (d) => {
      d.plugins = [{ name: 'sso_jwt', type: 'JWT', jwt: { secret: 's'.repeat(32), publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' } }];
      d.pluginAttachments = [{ plugin: 'sso_jwt', api: 'shop/getUser', group: 'shop', stages: ['RELEASE'] }];
    },
    expected: [
      ['PLUGIN_CONFIG', '/plugins/0/jwt'],
      ['PLUGIN_CONFIG', '/pluginAttachments/0'],
    ],
  },
  {
    name: 'two traffic-control plugins on one API in one stage, and one on a plugin that is not defined',
    mutate: (d) => {
      d.plugins = [
        { name: 'limits_a', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'SECOND', apiDefault: 1 } },
        { name: 'limits_b', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'MINUTE', appDefault: 5 } },
      ];
      d.pluginAttachments = [
        { plugin: 'limits_a', api: 'shop/getUser', stages: ['TEST', 'RELEASE'] },
        { plugin: 'limits_a', group: 'shop', stages: ['RELEASE'] },
        { plugin: 'limits_b', api: 'shop/getUser', stages: ['PRE', 'RELEASE'] },
        { plugin: 'limits_c', group: 'shop', stages: ['TEST'] },
      ];
    },
    expected: [
      ['UNKNOWN_REFERENCE', '/pluginAttachments/3/plugin'],
      ['PLUGIN_CONFLICT', '/pluginAttachments/2/stages/1'],
    ],
  },
  {
    name: 'a BOOLEAN parameter whose default is not a boolean',
    mutate: (d) => (d.apis[0].request.parameters[1].default = 'yes'),
    expected: [['DEFAULT_TYPE_MISMATCH', '/apis/0/request/parameters/1/default']],
  },
  {
    name: 'an OSS action on an HTTP backend',
    mutate: (d) => (d.apis[0].backend.ossAction = 'GetObject'),
    expected: [['OSS_ACTION_MISMATCH', '/apis/0/backend/ossAction']],
  },
  {
    name: 'an OSS action its method cannot perform',
    mutate: (d) => {
      d.backendServices.push({ name: 'files', type: 'OSS', environments: { TEST: { oss: { bucket: 'shop-files' } }, RELEASE: { oss: { bucket: 'shop-files' } } } });
      d.apis[0].backend.service = 'files';
      d.apis[0].backend.ossAction = 'PutObject';
    },
    expected: [['OSS_ACTION_MISMATCH', '/apis/0/backend/ossAction']],
  },
  {
    name: 'an HTTP function without its trigger URL',
    mutate: (d) => d.backendServices.push({ name: 'fn_http', type: 'FUNCTION', environments: { RELEASE: { function: { type: 'HTTP', service: 's', function: 'f' } } } }),
    expected: [['ENVIRONMENT_SHAPE', '/backendServices/3/environments/RELEASE/function/url']],
  },
  {
    name: 'an EVENT function with a trigger URL',
    mutate: (d) =>
      d.backendServices.push({ name: 'fn_event', type: 'FUNCTION', environments: { RELEASE: { function: { service: 's', function: 'f', url: 'http://127.0.0.1:9' } } } }),
    expected: [['ENVIRONMENT_SHAPE', '/backendServices/3/environments/RELEASE/function/url']],
  },
  {
    name: 'a MOCK header value with CR/LF (every request would fail)',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.headers['x-note'] = 'one\r\nSet-Cookie: stolen=1'),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/headers/x-note']],
  },
  {
    name: 'a MOCK header value with a NUL',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.headers['x-note'] = 'a\u0000b'),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/headers/x-note']],
  },
  {
    name: 'a MOCK Transfer-Encoding header (framed twice)',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.headers['Transfer-Encoding'] = 'chunked'),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/headers/Transfer-Encoding']],
  },
  {
    name: 'a MOCK Content-Length header (the gateway frames the body)',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.headers['content-length'] = '0'),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/headers/content-length']],
  },
  {
    name: 'a MOCK status 100',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.statusCode = 100),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/statusCode']],
  },
  {
    name: 'a MOCK status 101',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.statusCode = 101),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/statusCode']],
  },
  {
    name: 'a MOCK 204 with a body',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.statusCode = 204),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/body']],
  },
  {
    name: 'a MOCK 304 with a body',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.statusCode = 304),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/body']],
  },
  {
    name: 'a MOCK X-Ca-Error-Message header (a forged gateway error)',
    mutate: (d) => (d.backendServices[2].environments.TEST.mock.headers['X-Ca-Error-Message'] = 'Invalid Signature'),
    expected: [['MOCK_UNSERVABLE', '/backendServices/2/environments/TEST/mock/headers/X-Ca-Error-Message']],
  },
  {
    name: 'an INT parameter whose default overflows',
    mutate: (d) => d.apis[0].request.parameters.push({ name: 'page', in: 'QUERY', type: 'INT', default: '2147483648' }),
    expected: [['DEFAULT_TYPE_MISMATCH', '/apis/0/request/parameters/2/default']],
  },
];

describe('validateDocument', () => {
  test('accepts the reference example document', () => {
    expect(problemsOf(designExample())).toEqual([]);
  });

  test.each(CASES)('reports $name', ({ mutate, expected }) => {
    // GIVEN the valid example, broken in one way
    const doc = designExample();
    mutate(doc);
    // WHEN it is validated
    const problems = problemsOf(doc);
    // THEN exactly the expected problems come back, each explained
    expect(problems.map((p) => [p.code, p.pointer])).toEqual(expected);
    for (const p of problems) expect(p.message.length).toBeGreaterThan(10);
  });

  test('every problem code has a failing case, and every case uses a documented code', () => {
    const exercised = new Set(CASES.flatMap((c) => c.expected.map(([code]) => code)));
    expect([...exercised].sort()).toEqual(Object.keys(PROBLEM_CODES).sort());
  });

  test('a MOCK 204 or 304 without a body, and ordinary headers, are servable', () => {
    for (const statusCode of [204, 304]) {
      const doc = designExample();
      Object.assign(doc.backendServices[2].environments.TEST.mock, { statusCode, body: '', headers: { 'x-trace': 'a\tb', etag: '"1"' } });
      expect(problemsOf(doc)).toEqual([]);
    }
  });

  test('reports every problem of a document at once', () => {
    const doc = designExample();
    doc.apps.push({ name: 'mobile' });
    doc.apis[0].request.parameters[1].default = 'yes';
    doc.authorizations[0].stages = ['PRE'];
    expect(codesAndPointers(doc)).toEqual([
      ['DUPLICATE_NAME', '/apps/1'],
      ['DEFAULT_TYPE_MISMATCH', '/apis/0/request/parameters/1/default'],
      ['AUTHORIZATION_STAGE_UNPUBLISHED', '/authorizations/0/stages/0'],
    ]);
  });

  test('quotes the offending value in pattern messages', () => {
    const doc = designExample();
    doc.apps[0].name = 'mob';
    doc.backendServices[0].environments.TEST.url = 'ftp://127.0.0.1';
    expect(problemsOf(doc).map((p) => p.message)).toEqual([
      '"ftp://127.0.0.1" does not match an http:// or https:// URL (host, optional port and path; no query)',
      '"mob" does not match the name rule (a letter, then letters, digits or underscores; 4 to 50 characters)',
    ]);
  });

  test('names the missing stage and backend in the message', () => {
    const doc = designExample();
    doc.apis[0].stages = ['TEST', 'PRE', 'RELEASE'];
    expect(problemsOf(doc).map((p) => p.message)).toEqual([
      'api shop/getUser is published to PRE but backend service users has no PRE definition',
    ]);
  });

  test('does not modify its input', () => {
    const doc = designExample();
    delete doc.groups[0].basePath;
    const before = JSON.stringify(doc);
    expect(validateDocument(doc).ok).toBe(true);
    expect(JSON.stringify(doc)).toBe(before);
  });

  test('parseDocument throws DocumentInvalidError with every problem', () => {
    const doc = designExample();
    doc.apps.push({ name: 'mobile' }, { name: 'mobile' });
    let thrown: unknown;
    try {
      parseDocument(doc);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DocumentInvalidError);
    const err = thrown as DocumentInvalidError;
    expect(err.code).toBe('APIGW_DOCUMENT_INVALID');
    expect(err.problems.map((p) => p.pointer)).toEqual(['/apps/1', '/apps/2']);
    expect(err.message).toContain('/apps/2: app mobile is already defined at /apps/0 [DUPLICATE_NAME]');
  });
});

describe('defaults', () => {
  test('a document with and without a defaulted field is the same document', () => {
    // GIVEN a document spelling out every default, and the same document omitting them all
    const explicit = designExample();
    explicit.groups[0].certificates = [];
    explicit.groups[0].basePath = '/';
    explicit.apis[0].request.parameters[0].required = true;
    explicit.apis[0].request.parameters[1].required = false;
    Object.assign(explicit.apis[0].backend, { method: 'GET', timeoutMs: 10000 });
    explicit.backendServices[2].environments.TEST.mock.body = '{"ok":true}';
    explicit.apps[0].description = undefined; // absent, as JSON would write it
    const minimal = designExample();
    delete minimal.groups[0].basePath;
    delete minimal.apis[0].request.protocols;
    delete minimal.apis[0].request.matchAllChildPaths;
    delete minimal.apis[0].request.parameters[0].type;
    delete minimal.apis[0].request.parameters[1].required;
    delete minimal.apis[0].backend.timeoutMs;
    minimal.apis[0].auth = { type: 'APP', appCode: 'HEADER_QUERY', antiReplay: true };
    minimal.vpcAccesses = undefined;
    const withEmptyLists = { ...minimal, vpcAccesses: example.vpcAccesses, imports: {} };

    // WHEN both are validated
    const a = validateDocument(explicit);
    const b = validateDocument(withEmptyLists);
    // THEN they are one document, value and bytes
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.value).toEqual(a.value);
    expect(canonicalJson(b.value)).toBe(canonicalJson(a.value));
  });

  test('defaults are filled in nested objects the input leaves out', () => {
    const result = validateDocument({
      apiVersion: 'apigw/v1',
      stack: 'tiny',
      backendServices: [{ name: 'stub', type: 'MOCK', environments: { TEST: { mock: { statusCode: 204 } } } }],
      groups: [{ name: 'tiny' }],
      apis: [{ group: 'tiny', name: 'ping', request: { method: 'GET', path: '/ping' }, backend: { service: 'stub', path: '/' } }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const doc: GatewayDocument = result.value;
    expect(doc.apis[0]!.auth).toEqual({ type: 'APP', appCode: 'DISABLED', signatureMethod: 'HmacSHA256', antiReplay: false });
    expect(doc.apis[0]!.request).toEqual({ method: 'GET', path: '/ping', protocols: ['HTTP'], matchAllChildPaths: false, mode: 'PASSTHROUGH', parameters: [] });
    expect(doc.apis[0]!.backend).toEqual({ service: 'stub', path: '/', method: 'ANY', timeoutMs: 10000, constantParameters: [], systemParameters: [] });
    expect(doc.apis[0]!.stages).toEqual([]);
    expect(doc.groups[0]).toEqual({ name: 'tiny', basePath: '/', domains: [], certificates: [] });
    expect(doc.backendServices[0]!.environments.TEST!.mock).toEqual({ statusCode: 204, body: '', headers: {} });
    expect(doc.vpcAccesses).toEqual([]);
    expect(doc.authorizations).toEqual([]);
    expect('imports' in doc).toBe(false);
  });
});

describe('input that is not JSON data', () => {
  test.each([
    ['a function', (d: Json) => (d.apps[0].description = () => 'x'), '/apps/0/description'],
    ['a bigint', (d: Json) => (d.vpcAccesses[0].port = 8081n), '/vpcAccesses/0/port'],
    ['NaN', (d: Json) => (d.vpcAccesses[0].port = Number.NaN), '/vpcAccesses/0/port'],
    ['a symbol', (d: Json) => (d.stack = Symbol('shop')), '/stack'],
    ['a hole in an array', (d: Json) => (d.apis[0].stages = ['TEST', undefined]), '/apis/0/stages/1'],
    ['a cycle', (d: Json) => (d.groups[0].self = d.groups[0]), '/groups/0/self'],
    ['a throwing getter', (d: Json) => Object.defineProperty(d.apps[0], 'name', { enumerable: true, get: () => { throw new Error('boom'); } }), '/apps/0'],
  ])('reports %s at its pointer instead of throwing', (_, mutate, pointer) => {
    const doc = designExample();
    mutate(doc);
    const problems = problemsOf(doc);
    expect(problems).toEqual([expect.objectContaining({ code: 'SCHEMA_VIOLATION', pointer })]);
    expect(problems[0]!.message).toMatch(/^must be JSON data/);
  });

  test('reads values through toJSON, as JSON.stringify does', () => {
    const doc = designExample();
    doc.authorizations[0].expiresAt = new Date(Date.UTC(2030, 0, 1));
    const result = validateDocument(doc);
    expect(result.ok && result.value.authorizations[0]!.expiresAt).toBe('2030-01-01T00:00:00.000Z');
  });

  test('plain data validates alike at any depth, and is never modified', () => {
    const nest = (depth: number): unknown => (depth === 0 ? 'leaf' : { inner: [nest(depth - 1)] });
    for (const depth of [2, 400]) {
      const doc = designExample();
      doc.apps[0].extra = nest(depth);
      const before = JSON.stringify(doc);
      expect(codesAndPointers(doc)).toEqual([['SCHEMA_VIOLATION', '/apps/0/extra']]);
      expect(JSON.stringify(doc)).toBe(before);
    }
  });

  test('treats a __proto__ key as an unknown field, not a prototype', () => {
    const doc = JSON.parse(JSON.stringify(designExample()).replace('"name":"mobile"', '"name":"mobile","__proto__":{"polluted":true}'));
    expect(codesAndPointers(doc)).toEqual([['SCHEMA_VIOLATION', '/apps/0/__proto__']]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('imports', () => {
  test('references to imported resources are satisfied by name', () => {
    const doc = designExample();
    doc.apis[0].backend.service = 'shared_users';
    doc.apis[0].group = 'partner';
    doc.authorizations = [
      { app: 'mobile', api: 'partner/getUser', stages: ['RELEASE'] },
      { app: 'partner_app', api: 'other/listThings', stages: ['PRE'] },
    ];
    doc.backendServices[1].environments.RELEASE.vpcAccess = 'shared_vpc';
    doc.imports = { backendServices: ['shared_users'], groups: ['partner'], apps: ['partner_app'], apis: ['other/listThings'], vpcAccesses: ['shared_vpc'] };
    expect(problemsOf(doc)).toEqual([]);
  });

  test('an imported backend service is not checked for stages: its definitions live elsewhere', () => {
    const doc = designExample();
    doc.apis[0].backend.service = 'shared_users';
    doc.apis[0].stages = ['PRE'];
    doc.authorizations[0].stages = ['PRE'];
    doc.imports = { backendServices: ['shared_users'] };
    expect(problemsOf(doc)).toEqual([]);
  });

  test('import names follow the name rules and are sorted in the canonical document', () => {
    expect(codesAndPointers({ ...designExample(), imports: { apps: ['x'] } })).toEqual([['SCHEMA_VIOLATION', '/imports/apps/0']]);
    expect(codesAndPointers({ ...designExample(), imports: { apis: ['shop'] } })).toEqual([['SCHEMA_VIOLATION', '/imports/apis/0']]);
    const result = validateDocument({ ...designExample(), imports: { apps: ['zeta_app', 'alpha_app'], groups: [] } });
    expect(result.ok && result.value.imports).toEqual({ apps: ['alpha_app', 'zeta_app'] });
  });
});

describe('canonical form', () => {
  test('resource order, stage order and key order do not change the document', () => {
    const doc = designExample();
    const shuffled = designExample();
    shuffled.backendServices.reverse();
    shuffled.apis[0].stages.reverse();
    shuffled.groups[0] = Object.fromEntries(Object.entries(shuffled.groups[0]).reverse());
    const a = validateDocument(doc);
    const b = validateDocument(shuffled);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(canonicalJson(b.value, 2)).toBe(canonicalJson(a.value, 2));
    expect(a.value.backendServices.map((s) => s.name)).toEqual(['orders', 'stub', 'users']);
  });

  test('a validated document validates again to itself', () => {
    const first = validateDocument(designExample());
    if (!first.ok) throw new Error('example is invalid');
    const second = validateDocument(first.value);
    expect(second).toEqual(first);
  });
});

describe('validateResource', () => {
  test('fills defaults and prefixes pointers', () => {
    expect(validateResource('group', { name: 'shop' })).toEqual({ ok: true, value: { name: 'shop', basePath: '/', domains: [], certificates: [] } });
    const bad = validateResource('app', { name: 'x', extra: 1 }, '/body');
    expect(bad.ok ? [] : bad.problems.map((p) => p.pointer)).toEqual(['/body/extra', '/body/name']);
  });
});

describe('generated types', () => {
  test('document.generated.ts matches gateway.schema.json', () => {
    // Fails (exit 1) when the schema changed without regenerating the types.
    const script = path.join(__dirname, '..', 'scripts', 'generate-types.js');
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toContain('document types match the schema');
  });
});
