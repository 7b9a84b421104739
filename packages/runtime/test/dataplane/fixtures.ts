/**
 * Builders for data-plane tests: state views with defaults filled the way
 * the schema fills them, a real upstream server that echoes what it got,
 * and a small HTTP client.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Api, ApiGroup, App, Authorization, BackendService, Plugin, PluginAttachment, Stage, VpcAccess } from '@apigw/schema';
import type { ApiDefinition, StateView } from '../../src/model';
import { createDataPlane, type DataPlane, type DataPlaneOptions } from '../../src/dataplane';

export type ApiSpec = Omit<Partial<Api>, 'request' | 'backend' | 'auth'> & {
  name: string;
  request: Partial<Api['request']> & { path: string };
  backend: Partial<Api['backend']> & { service: string; path: string };
  auth?: Partial<Api['auth']>;
};

/** An API definition with the schema's defaults. */
export function apiDef(spec: ApiSpec): ApiDefinition {
  return {
    group: spec.group ?? 'shop',
    name: spec.name,
    auth: { type: 'ANONYMOUS', appCode: 'DISABLED', signatureMethod: 'HmacSHA256', antiReplay: false, ...spec.auth },
    request: {
      protocols: ['HTTP'],
      method: 'GET',
      matchAllChildPaths: false,
      mode: 'PASSTHROUGH',
      parameters: [],
      ...spec.request,
    },
    backend: { method: 'ANY', timeoutMs: 10_000, constantParameters: [], systemParameters: [], ...spec.backend },
  };
}

export interface ViewSpec {
  revision?: number;
  groups?: Partial<ApiGroup>[];
  backendServices?: BackendService[];
  vpcAccesses?: VpcAccess[];
  apis?: (ApiSpec & { stages?: Stage[] })[];
  apps?: (App & { appKey: string; appSecret: string; appCode: string })[];
  authorizations?: Authorization[];
  plugins?: Plugin[];
  pluginAttachments?: PluginAttachment[];
}

/** A state view: groups default to `shop` on `api.shop.localhost`, APIs published to RELEASE. */
export function view(spec: ViewSpec): StateView {
  const groups = (spec.groups ?? [{}]).map((g) => ({ name: 'shop', basePath: '/', domains: ['api.shop.localhost'], certificates: [], ...g }) as ApiGroup);
  return {
    revision: spec.revision ?? 1,
    groups,
    backendServices: spec.backendServices ?? [],
    vpcAccesses: spec.vpcAccesses ?? [],
    published: (spec.apis ?? []).flatMap((a) => (a.stages ?? ['RELEASE']).map((stage) => ({ stage, digest: `d-${a.name}-${stage}`, api: apiDef(a) }))),
    apps: spec.apps ?? [],
    authorizations: spec.authorizations ?? [],
    plugins: spec.plugins ?? [],
    pluginAttachments: spec.pluginAttachments ?? [],
  };
}

/** What the echo upstream saw. */
export interface Echo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real upstream on loopback that answers every request with a JSON echo of it. */
export async function startEcho(handler?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => boolean): Promise<{ server: Server; url: string; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (handler !== undefined && handler(req, res, body)) return;
      if (req.url?.endsWith('/cookies')) {
        res.writeHead(200, [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-ca-error-message', 'forged']] as unknown as string[]);
        res.end('cookies');
        return;
      }
      const echo: Echo = { method: req.method!, url: req.url!, headers: req.headers, body };
      const out = JSON.stringify(echo);
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo', connection: 'keep-alive, x-hop', 'x-hop': 'dropped', 'proxy-authenticate': 'Basic' });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends one request to 127.0.0.1:port. */
export function send(
  port: number,
  options: { method?: string; path?: string; host?: string; headers?: Record<string, string | string[]>; body?: string | Buffer },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: { host: options.host ?? 'api.shop.localhost', ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Starts a data plane on an ephemeral port with a view. */
export async function startDataPlane(v: StateView, options: Partial<DataPlaneOptions> = {}): Promise<{ dp: DataPlane; port: number; tlsPort?: number }> {
  const dp = createDataPlane({ port: 0, ...options });
  dp.update(v);
  const { port, tlsPort } = await dp.listen();
  return tlsPort === undefined ? { dp, port } : { dp, port, tlsPort };
}

/** An HTTP backend service with one URL per stage. */
export function httpService(name: string, urls: Partial<Record<Stage, string>>): BackendService {
  const environments: BackendService['environments'] = {};
  for (const [stage, url] of Object.entries(urls) as [Stage, string][]) environments[stage] = { url };
  return { name, type: 'HTTP', environments };
}
