/** MOCK backends: the gateway answers with the status, headers and body of the definition. */
import type { MockResponse } from '@apigw/schema';
import type { Exchange } from '../exchange';
import type { BackendModule } from './backend-module';

/** A mock answer, with its body encoded once. */
export interface MockTarget {
  readonly statusCode: number;
  readonly headers: readonly [string, string][];
  readonly body: Buffer;
}

export const mockBackend: BackendModule<MockTarget> = {
  type: 'MOCK',
  compile(service, env) {
    const mock: MockResponse | undefined = env.mock;
    if (mock === undefined) return { error: `backend service ${service.name} has no mock answer` };
    const headers: [string, string][] = [];
    for (const [k, v] of Object.entries(mock.headers ?? {})) if (v !== undefined) headers.push([k.toLowerCase(), v]);
    return { value: { statusCode: mock.statusCode, headers, body: Buffer.from(mock.body ?? '', 'utf8') } };
  },
  invoke(ex: Exchange, target: MockTarget) {
    const out: Record<string, string | number> = {};
    for (const [k, v] of target.headers) out[k] = v;
    out['content-length'] = target.body.length;
    out['x-ca-request-id'] = ex.rid;
    ex.res.writeHead(target.statusCode, out);
    ex.res.end(target.body);
    ex.done(target.statusCode);
  },
};
