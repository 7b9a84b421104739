import fc from 'fast-check';
import { STAGES, canonicalJson, validateDocument, type ParameterType, type Stage } from '@apigw/schema';
import { ApiGroup, App, BackendService, GatewayStack, SynthError, VpcAccess, type Api, type BackendType } from '@apigw/constructs';

// Modest run counts: the suite shares two cores with everything else.
const RUNS = { numRuns: 60 };

const stagesArb = (minLength = 0) => fc.subarray([...STAGES], { minLength });

const defaultFor: Record<ParameterType, fc.Arbitrary<string>> = {
  STRING: fc.string({ maxLength: 12 }),
  INT: fc.integer().map(String),
  LONG: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  FLOAT: fc.float({ noNaN: true, noDefaultInfinity: true }).map((n) => String(Object.is(n, -0) ? 0 : n)),
  DOUBLE: fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => String(Object.is(n, -0) ? 0 : n)),
  BOOLEAN: fc.constantFrom('true', 'false'),
};

const queryParamArb = fc
  .constantFrom<ParameterType>('STRING', 'INT', 'LONG', 'FLOAT', 'DOUBLE', 'BOOLEAN')
  .chain((type) => fc.record({ type: fc.constant(type), default: fc.option(defaultFor[type], { nil: undefined }), required: fc.boolean() }));

/** A model of a valid stack; every reference is an index into the lists before it. */
const modelArb = fc.record({
  names: fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{3,15}$/), { minLength: 30, maxLength: 30 }),
  vpcPorts: fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 2 }),
  backends: fc.array(fc.record({ type: fc.constantFrom<BackendType>('HTTP', 'VPC', 'MOCK'), stages: stagesArb(1), vpc: fc.nat() }), { minLength: 1, maxLength: 4 }),
  groups: fc.array(fc.record({ basePath: fc.constantFrom('/', '/v1', '/shop/api'), domains: fc.nat({ max: 2 }) }), { minLength: 1, maxLength: 3 }),
  apis: fc.array(
    fc.record({
      group: fc.nat(),
      backend: fc.nat(),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ANY' as const),
      pathParams: fc.nat({ max: 2 }),
      query: fc.array(queryParamArb, { maxLength: 3 }),
      mapping: fc.boolean(),
      anonymous: fc.boolean(),
      stages: stagesArb(),
      publishLater: stagesArb(),
      timeoutMs: fc.option(fc.integer({ min: 1, max: 60000 }), { nil: undefined }),
    }),
    { maxLength: 6 },
  ),
  apps: fc.array(fc.array(fc.record({ api: fc.nat(), stages: stagesArb(1) }), { maxLength: 3 }), { maxLength: 3 }),
  reverse: fc.boolean(),
});
type Model = typeof modelArb extends fc.Arbitrary<infer M> ? M : never;

/** Builds the stack a model describes; `reverse` creates siblings in the other order. */
function build(m: Model): { stack: GatewayStack; apis: number; grants: number } {
  const name = (i: number) => m.names[i]!;
  const stack = new GatewayStack('prop');
  const vpcs = m.vpcPorts.map((port, i) => new VpcAccess(stack, name(i), { vpcId: `vpc-${i}`, instanceId: `i-prop-${i}`, port }));
  const order = <T>(xs: T[]) => (m.reverse ? [...xs].reverse() : xs);
  const backends = new Map<number, BackendService>();
  for (const [i, b] of order(m.backends.map((b, i) => [i, b] as const))) {
    const service = new BackendService(stack, name(2 + i), { type: b.type });
    for (const stage of b.stages)
      service.addEnvironment(stage, b.type === 'HTTP' ? { url: `http://127.0.0.1:${9000 + i}` } : b.type === 'VPC' ? { vpcAccess: vpcs[b.vpc % vpcs.length]! } : { mock: { statusCode: 200, body: name(i) } });
    backends.set(i, service);
  }
  const groups = m.groups.map((g, i) => new ApiGroup(stack, name(6 + i), { basePath: g.basePath, domains: Array.from({ length: g.domains }, (_, d) => `d${d}.g${i}.localhost`) }));
  const apis: { api: Api; stages: Stage[] }[] = [];
  m.apis.forEach((a, i) => {
    const backendIndex = a.backend % m.backends.length;
    const available = m.backends[backendIndex]!.stages;
    const pathParams = Array.from({ length: a.pathParams }, (_, p) => `p${p}`);
    const api = groups[a.group % groups.length]!.addApi(name(9 + i), {
      auth: { type: a.anonymous ? 'ANONYMOUS' : 'APP' },
      request: {
        method: a.method,
        path: `/r${i}${pathParams.map((p) => `/{${p}}`).join('')}`,
        mode: a.mapping ? 'MAPPING' : 'PASSTHROUGH',
        parameters: pathParams.map((p) => ({ name: p, in: 'PATH' as const, required: true })),
      },
      backend: { service: backends.get(backendIndex)!, path: `/b${pathParams.map((p) => `/{${p}}`).join('')}`, timeoutMs: a.timeoutMs },
      stages: a.stages.filter((s) => available.includes(s)),
    });
    a.query.forEach((q, j) => api.addParameter({ name: `q${j}`, in: 'QUERY', ...q }));
    api.publish(...a.publishLater.filter((s) => available.includes(s)));
    apis.push({ api, stages: api.stages });
  });
  let grants = 0;
  m.apps.forEach((grantsOfApp, i) => {
    const app = new App(stack, name(16 + i));
    const granted = new Set<number>();
    for (const g of grantsOfApp) {
      if (apis.length === 0) break;
      const target = apis[g.api % apis.length]!;
      const stages = g.stages.filter((s) => target.stages.includes(s));
      if (stages.length === 0) continue;
      app.authorize(target.api, stages);
      granted.add(g.api % apis.length);
    }
    grants += granted.size;
  });
  return { stack, apis: apis.length, grants };
}

describe('synth of generated stacks', () => {
  test('valid stacks always synthesize to schema-valid, canonical documents', () => {
    fc.assert(
      fc.property(modelArb, (model) => {
        const { stack, apis, grants } = build(model);
        const doc = stack.synth();
        expect(doc.apis).toHaveLength(apis);
        expect(doc.authorizations).toHaveLength(grants);
        // Re-validating the output yields the identical document...
        const again = validateDocument(doc);
        expect(again).toEqual({ ok: true, value: doc });
        // ...and its keys are already in canonical order, so a second synth is byte-identical.
        expect(JSON.stringify(doc)).toBe(canonicalJson(doc));
        expect(stack.toJson()).toBe(build(model).stack.toJson());
      }),
      RUNS,
    );
  });

  test('creation order does not change the document', () => {
    fc.assert(
      fc.property(modelArb, (model) => {
        expect(build({ ...model, reverse: true }).stack.toJson()).toBe(build({ ...model, reverse: false }).stack.toJson());
      }),
      { numRuns: 30 },
    );
  });

  /** Ways to break a valid stack with an arbitrary value. */
  const breakArb = fc.oneof(
    fc.record({ kind: fc.constant('appName' as const), value: fc.string() }),
    fc.record({ kind: fc.constant('port' as const), value: fc.oneof(fc.integer(), fc.double()) }),
    fc.record({ kind: fc.constant('url' as const), value: fc.string() }),
    fc.record({ kind: fc.constant('path' as const), value: fc.string() }),
    fc.record({ kind: fc.constant('default' as const), value: fc.string(), type: fc.constantFrom<ParameterType>('INT', 'BOOLEAN', 'DOUBLE') }),
    fc.record({ kind: fc.constant('publish' as const), value: fc.constantFrom<Stage>('TEST', 'PRE', 'RELEASE') }),
    fc.record({ kind: fc.constant('expiry' as const), value: fc.oneof(fc.string(), fc.date({ noInvalidDate: false }).map((d) => d as Date | string)) }),
  );

  test('broken stacks fail only with a SynthError whose problems name a construct and a pointer', () => {
    fc.assert(
      fc.property(modelArb, breakArb, (model, broken) => {
        const { stack } = build(model);
        const users = new BackendService(stack, 'broken_users', { type: 'HTTP' });
        const group = new ApiGroup(stack, 'broken_group');
        const api = group.addApi('brokenApi', { request: { method: 'GET', path: '/x' }, backend: { service: users, path: '/' } });
        switch (broken.kind) {
          case 'appName':
            new App(stack, 'AppUnderTest', { appName: broken.value });
            break;
          case 'port':
            new VpcAccess(stack, 'broken_vpc', { vpcId: 'vpc-x', instanceId: 'i-x', port: broken.value });
            break;
          case 'url':
            users.addEnvironment('TEST', { url: broken.value });
            break;
          case 'path':
            group.addApi('brokenPath', { request: { method: 'GET', path: broken.value }, backend: { service: users, path: broken.value } });
            break;
          case 'default':
            api.addParameter({ name: 'p', in: 'QUERY', type: broken.type, default: broken.value });
            break;
          case 'publish':
            api.publish(broken.value);
            break;
          case 'expiry':
            users.addEnvironment('RELEASE', { url: 'http://127.0.0.1:1' });
            api.publish('RELEASE');
            new App(stack, 'broken_app').authorize(api, ['RELEASE'], { expiresAt: broken.value });
            break;
        }
        let thrown: unknown;
        try {
          stack.synth();
        } catch (err) {
          thrown = err;
        }
        if (thrown === undefined) return; // the arbitrary value happened to be valid
        expect(thrown).toBeInstanceOf(SynthError);
        const problems = (thrown as SynthError).problems;
        expect(problems).not.toHaveLength(0);
        for (const p of problems) {
          expect(p.path === 'prop' || p.path.startsWith('prop/')).toBe(true);
          expect(p.pointer === '' || p.pointer.startsWith('/')).toBe(true);
        }
      }),
      RUNS,
    );
  });
});
