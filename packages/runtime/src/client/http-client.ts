/**
 * The admin client over HTTP (undici). One connection pool per client;
 * every refusal rejects with AdminApiError carrying the server's code,
 * status, problems and per-operation errors.
 */
import type { Kind } from '@apigw/schema';
import { Pool } from 'undici';
import { AdminApiError, adminApiErrorFrom } from '../errors';
import type { AppCredentials, BatchRequest, BatchResult, LiveResource, LiveState, LiveStateChanges } from '../model';
import type { GatewayClient, GetStateOptions, RotateCredentialsOptions } from './gateway-client';
import { STORE_HEADER, resourcePath } from './paths';
import { StateCache, type HeldState } from './state-cache';

/** Where and how to reach an admin API. */
export interface HttpGatewayClientOptions {
  /** Base URL of the admin API (`http://127.0.0.1:9080`). */
  readonly endpoint: string;
  /** The admin token. */
  readonly token: string;
  /**
   * Certificate authorities (PEM) trusted for an `https://` endpoint, in
   * place of the system's: the CA of the admin listener's certificate.
   * @default the system's
   */
  readonly ca?: string | Buffer;
  /** Connections kept to the admin API. @default 4 */
  readonly connections?: number;
  /** Time to wait for response headers, in ms. @default 60000 */
  readonly timeoutMs?: number;
  /**
   * Keep the last state read and afterwards ask only for what changed
   * since (`GET /v1/state?since=`), merging it in: a long-lived client
   * (a provider plugin, a controller) then reads a large state in the time
   * its changes take. Off, every read is a full one.
   * @default true
   */
  readonly cacheState?: boolean;
}

/** A GatewayClient that talks to the admin API over HTTP. */
export class HttpGatewayClient implements GatewayClient {
  private readonly pool: Pool;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly states: StateCache | undefined;

  constructor(options: HttpGatewayClientOptions) {
    const url = new URL(options.endpoint);
    this.pool = new Pool(url.origin, { connections: options.connections ?? 4, ...(options.ca === undefined ? {} : { connect: { ca: options.ca } }) });
    this.authorization = `Bearer ${options.token}`;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.states = options.cacheState === false ? undefined : new StateCache();
  }

  getState(options: GetStateOptions = {}): Promise<LiveState> {
    const path = (held?: HeldState) => {
      const query = new URLSearchParams();
      if (options.stack !== undefined) query.set('stack', options.stack);
      if (held) query.set('since', String(held.revision));
      if (held?.store !== undefined) query.set('store', held.store);
      const text = query.toString();
      return text === '' ? '/v1/state' : `/v1/state?${text}`;
    };
    if (!this.states) return this.call<LiveState>('GET', path());
    return this.states.read(options.stack, async (held) => {
      const { status, body, headers } = await this.send('GET', path(held), undefined, held ? { 'if-none-match': `"${held.revision}"` } : undefined);
      if (status === 304) return { answer: 'unchanged', ...(held?.store === undefined ? {} : { store: held.store }) };
      const store = headers[STORE_HEADER];
      return { answer: this.answer<LiveState | LiveStateChanges>(status, body), ...(typeof store === 'string' ? { store } : {}) };
    });
  }


  async getResource<K extends Kind>(kind: K, id: string): Promise<LiveResource<K> | undefined> {
    const path = resourcePath(kind, id);
    if (path === undefined) return undefined;
    try {
      return await this.call<LiveResource<K>>('GET', path);
    } catch (error) {
      if (error instanceof AdminApiError && error.code === 'APIGW_NOT_FOUND') return undefined;
      throw error;
    }
  }

  batch(request: BatchRequest): Promise<BatchResult> {
    return this.call<BatchResult>('POST', '/v1/batch', request);
  }

  getCredentials(app: string): Promise<AppCredentials> {
    return this.call<AppCredentials>('GET', `/v1/apps/${encodeURIComponent(app)}/credentials`);
  }

  rotateCredentials(app: string, options: RotateCredentialsOptions = {}): Promise<AppCredentials> {
    const grace = options.graceSeconds ? `?graceSeconds=${options.graceSeconds}` : '';
    return this.call<AppCredentials>('POST', `/v1/apps/${encodeURIComponent(app)}/credentials/rotate${grace}`);
  }

  /**
   * Any admin API call: resolves with the parsed JSON answer of a 2xx,
   * rejects with AdminApiError otherwise.
   */
  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<T> {
    const { status, body: parsed } = await this.send(method, path, body, headers);
    return this.answer<T>(status, parsed);
  }

  /** The parsed answer of a 2xx; AdminApiError otherwise. */
  private answer<T>(status: number, parsed: unknown): T {
    if (status >= 200 && status < 300) return parsed as T;
    throw adminApiErrorFrom(status, parsed);
  }

  /** Sends a request; resolves with the status and the parsed JSON body (undefined when empty). */
  private async send(method: string, path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<{ status: number; body: unknown; headers: Record<string, string | string[] | undefined> }> {
    let payload: string | undefined;
    try {
      payload = body === undefined ? undefined : JSON.stringify(body);
    } catch (error) {
      throw new AdminApiError(400, 'APIGW_BAD_REQUEST', `the request cannot be sent as JSON: ${(error as Error).message}`, { cause: error });
    }
    let response;
    // A read may go out on a kept-alive connection the server has just closed (it restarted, or
    // dropped idle connections): it is sent once more, on a fresh one. Writes are never repeated.
    for (let attempt = 1; ; attempt++) {
      try {
        response = await this.pool.request({
          method: method as 'GET',
          path,
          headers: { authorization: this.authorization, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          ...(payload === undefined ? {} : { body: payload }),
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
        break;
      } catch (error) {
        if (method === 'GET' && attempt === 1 && connectionDropped(error)) continue;
        throw new AdminApiError(0, 'APIGW_UNREACHABLE', `admin API unreachable: ${(error as Error).message}`, { cause: error });
      }
    }
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
      if (response.statusCode < 300) throw new AdminApiError(response.statusCode, 'APIGW_BAD_RESPONSE', 'admin API answered with a body that is not JSON');
    }
    return { status: response.statusCode, body: parsed, headers: response.headers };
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/** A request failed because its connection closed under it (not a timeout, not a refused connection). */
function connectionDropped(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}
