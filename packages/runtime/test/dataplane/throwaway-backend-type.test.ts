/**
 * How many places a new backend type takes. A throwaway type, `ECHO` (the
 * gateway answers with a text of the definition and the path it would
 * forward), is added here in one place: one registerBackendType call with
 *
 *   - its document side: the environment field (`echo`) and its schema;
 *   - its data-plane module: compile (once per snapshot) and invoke.
 *
 * Nothing else is edited, and the document validator (schema, the
 * environment-shape rule), the admin API's batches and the data plane
 * (compiling the snapshot, serving a real request) all handle it.
 */
import { request } from 'node:http';
import { validateDocument, validateResource, type Problem } from '@apigw/schema';
import { registerBackendType, type BackendModule } from '../../src/dataplane';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';
import { tempDir } from '../store/fixtures';

interface EchoTarget {
  readonly text: string;
}

// The one place: what a document may say, and what the data plane does.
const echoBackend: BackendModule<EchoTarget> = {
  type: 'ECHO',
  compile(service, env) {
    const echo = (env as { echo?: { text: string } }).echo;
    if (echo === undefined) return { error: `backend service ${service.name} has no echo` };
    return { value: { text: echo.text } };
  },
  invoke(ex, target) {
    const body = Buffer.from(`${target.text} ${ex.fwdMethod} ${ex.fwdPath}`);
    ex.res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'x-ca-request-id': ex.rid });
    ex.res.end(body);
    ex.done(200);
  },
};
registerBackendType(
  {
    type: 'ECHO',
    field: 'echo',
    schema: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 100 } } },
  },
  echoBackend as BackendModule<unknown>,
);

const echoService = (environments: object) => ({ name: 'echo', type: 'ECHO', environments });
const group = { name: 'shop', domains: ['api.shop.localhost'] };
const api = {
  group: 'shop',
  name: 'hello',
  auth: { type: 'ANONYMOUS' },
  request: { method: 'GET', path: '/hello/{who}', parameters: [{ name: 'who', in: 'PATH', type: 'STRING', required: true }] },
  backend: { service: 'echo', path: '/greet/{who}' },
  stages: ['RELEASE'],
};

/** The API as the admin API takes it: where it is published is said by publish operations. */
const { stages: _stages, ...apiDefinition } = api;

function problems(input: unknown): [string, string][] {
  const result = validateDocument(input);
  return result.ok ? [] : result.problems.map((p: Problem) => [p.code, p.pointer]);
}

function get(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', agent: false, headers: { host: 'api.shop.localhost' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a backend type added in one place', () => {
  test('GIVEN a document with an ECHO backend THEN the schema and the environment-shape rule apply to it', () => {
    const doc = (environments: object) => ({ apiVersion: 'apigw/v1', stack: 'shop', backendServices: [echoService(environments)], groups: [group], apis: [api] });
    expect(problems(doc({ RELEASE: { echo: { text: 'hi' } } }))).toEqual([]);
    expect(problems(doc({ RELEASE: { echo: { text: 'hi', loud: true } } }))).toEqual([['SCHEMA_VIOLATION', '/backendServices/0/environments/RELEASE/echo/loud']]);
    expect(problems(doc({ RELEASE: { url: 'http://127.0.0.1:1' } }))).toEqual([
      ['ENVIRONMENT_SHAPE', '/backendServices/0/environments/RELEASE/echo'],
      ['ENVIRONMENT_SHAPE', '/backendServices/0/environments/RELEASE/url'],
    ]);
    expect(validateResource('backendService', echoService({ TEST: { echo: { text: 'hi' } } })).ok).toBe(true);
    // A type nobody defined is still refused by the schema.
    expect(problems({ ...doc({}), backendServices: [{ name: 'echo', type: 'TELEPORT', environments: {} }] })).toEqual([['SCHEMA_VIOLATION', '/backendServices/0/type']]);
  });

  describe('on a running gateway', () => {
    let dir: { dir: string; cleanup: () => void };
    let gateway: Gateway | undefined;
    beforeAll(async () => {
      dir = tempDir();
      gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    });
    afterAll(async () => {
      await gateway?.close();
      dir.cleanup();
    });

    test('GIVEN an ECHO backend committed through the admin API THEN a real request is served by its module', async () => {
      const { client, dataUrl } = gateway!;
      await client.batch({
        stack: 'shop',
        operations: [
          { op: 'create', kind: 'backendService', spec: echoService({ RELEASE: { echo: { text: 'echoed' } } }) },
          { op: 'create', kind: 'group', spec: group },
          { op: 'create', kind: 'api', spec: apiDefinition },
          { op: 'publish', api: 'shop/hello', stage: 'RELEASE' },
        ] as Operation[],
      });
      expect(await get(dataUrl, '/hello/ann')).toEqual({ status: 200, body: 'echoed GET /greet/ann' });

      // Repointing its RELEASE definition repoints the published API, with no republish.
      await client.batch({ stack: 'shop', operations: [{ op: 'update', kind: 'backendService', spec: echoService({ RELEASE: { echo: { text: 'again' } } }) }] as Operation[] });
      expect(await get(dataUrl, '/hello/bo')).toEqual({ status: 200, body: 'again GET /greet/bo' });
    });

    test('GIVEN an ECHO definition its schema refuses THEN the admin API names the field and changes nothing', async () => {
      const { client, dataUrl } = gateway!;
      const refused = client.batch({ stack: 'shop', operations: [{ op: 'update', kind: 'backendService', spec: echoService({ RELEASE: { echo: { text: '' } } }) }] as Operation[] });
      await expect(refused).rejects.toMatchObject({ code: 'APIGW_SPEC_INVALID' });
      await expect(refused).rejects.toThrow(/environments\/RELEASE\/echo\/text/);
      expect((await get(dataUrl, '/hello/cy')).body).toBe('again GET /greet/cy');
    });
  });
});
