/**
 * The admin API's HTTP server (node:http). It authenticates every request
 * but the health probes, reads a bounded JSON body (bytes, and objects
 * and arrays counted before it is parsed: json-meter.ts), routes, and maps every
 * refusal to `{ error: { code, message, problems?, errors? } }`. A request
 * can never take the server down: anything unexpected becomes a 500 and
 * the request changes nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { RuntimeError, errorBody } from '../errors';
import { routes as batchRoutes } from './batch';
import type { AdminCore } from './core';
import { routes as credentialRoutes } from './credentials';
import { routes as healthRoutes } from './health';
import { JsonMeter, MAX_JSON_CONTAINERS } from './json-meter';
import { routes as metricsRoutes } from './metrics-endpoint';
import type { AdminMetrics } from './metrics';
import { routes as resourceRoutes } from './resources';
import { Router, type Reply, type RequestContext, type Route } from './router';
import { routes as stageRoutes } from './stages';
import { routes as stateRoutes } from './state';
import { tokenMatches } from './token';

/** Largest admin request body accepted by default (16 MiB: a batch of many thousand operations). */
export const DEFAULT_ADMIN_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * How long an idle admin connection is kept open: longer than the idle timeout
 * of the load balancers and clients in front (60 s is the common default), so
 * that the side which reuses a connection is also the side which closes it.
 */
const ADMIN_KEEP_ALIVE_MS = 65_000;

/** Options of the admin server. */
export interface AdminServerOptions {
  readonly core: AdminCore;
  /** The bearer token every request (but /healthz and /readyz) must carry. */
  readonly token: string;
  readonly metrics: AdminMetrics;
  /** Largest request body in bytes; larger ones are refused with 413. @default DEFAULT_ADMIN_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** Whether the gateway is ready to serve (for /readyz). @default () => true */
  readonly ready?: () => boolean;
  /**
   * More endpoints on the same listener (a web console), matched after the
   * API's own; each needs the token unless marked `open`.
   * @default none
   */
  readonly routes?: readonly Route[];
  /** Why a started gateway cannot serve what it should, or null; /readyz answers 503 with it. @default none */
  readonly notReadyBecause?: () => string | null;
  /** Serve HTTPS with this certificate chain and key (PEM) instead of plain HTTP. @default plain HTTP */
  readonly tls?: AdminTls;
}

/** The admin listener's certificate: PEM texts. */
export interface AdminTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** The admin API's own endpoints (the CRUD ones for every kind defined when the server is made). */
const apiRoutes = (): readonly Route[] => [...healthRoutes, ...metricsRoutes, ...stateRoutes, ...batchRoutes, ...resourceRoutes(), ...stageRoutes, ...credentialRoutes];

/** Creates (does not start) the admin API server. */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  return new AdminServer(options);
}

/** The admin API over HTTP. */
export class AdminServer {
  readonly server: Server | HttpsServer;
  private readonly maxBodyBytes: number;
  private readonly router: Router;

  constructor(private readonly options: AdminServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_ADMIN_MAX_BODY_BYTES;
    this.router = new Router([...apiRoutes(), ...(options.routes ?? [])]);
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error));
    };
    this.server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createServer(handler);
    // Clients close idle connections first (undici after 4 s, load balancers after 60 s):
    // with Node's 5 s, a busy process could close one just as a client reused it, and
    // the client saw ECONNRESET. The header timer must outlast the idle one.
    this.server.keepAliveTimeout = ADMIN_KEEP_ALIVE_MS;
    this.server.headersTimeout = ADMIN_KEEP_ALIVE_MS + 1_000;
    // Unparseable HTTP (bad request line, oversized headers): answer 400 and drop the socket.
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting, closes idle connections, waits for in-flight requests. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin');
    } catch {
      return this.send(req, res, 'invalid', errorReply(new RuntimeError('APIGW_BAD_REQUEST', 'the request URL is invalid')), started);
    }
    let routeName = 'unknown';
    try {
      const found = this.router.find(url.pathname);
      if (found) routeName = found.route.pattern;
      if (!found?.route.open && !tokenMatches(req.headers.authorization, this.options.token)) {
        req.resume();
        return this.send(req, res, routeName, errorReply(new RuntimeError('APIGW_UNAUTHORIZED', 'missing or wrong admin token (Authorization: Bearer <token>)')), started, {
          'www-authenticate': 'Bearer realm="apigw-admin"',
        });
      }
      if (!found) {
        req.resume();
        throw new RuntimeError('APIGW_ROUTE_NOT_FOUND', `no admin endpoint at ${url.pathname}`);
      }
      const handler = found.route.methods[method as keyof typeof found.route.methods];
      if (!handler) {
        req.resume();
        const allow = Object.keys(found.route.methods).join(', ');
        return this.send(req, res, routeName, errorReply(new RuntimeError('APIGW_METHOD_NOT_ALLOWED', `${found.route.pattern} answers ${allow}, not ${method}`)), started, { allow });
      }
      const body = await this.readBody(req);
      const ctx: RequestContext = {
        method,
        params: found.params,
        query: url.searchParams,
        headers: req.headers,
        body,
        core: this.options.core,
        metrics: this.options.metrics,
        ready: this.options.ready ?? (() => true),
        ...(this.options.notReadyBecause === undefined ? {} : { notReadyBecause: this.options.notReadyBecause }),
      };
      const reply = await handler(ctx);
      return this.send(req, res, routeName, reply, started);
    } catch (error) {
      return this.send(req, res, routeName, errorReply(error), started);
    }
  }

  /** Reads and parses the JSON body (undefined when empty); refuses oversized or malformed ones. */
  private readBody(req: IncomingMessage): Promise<unknown> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
      req.resume();
      return Promise.reject(tooLarge(this.maxBodyBytes));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const meter = new JsonMeter();
      let size = 0;
      let done = false;
      req.on('data', (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          done = true;
          chunks.length = 0;
          reject(tooLarge(this.maxBodyBytes));
          return;
        }
        if (meter.add(chunk) > MAX_JSON_CONTAINERS) {
          done = true;
          chunks.length = 0;
          reject(new RuntimeError('APIGW_BODY_TOO_LARGE', `the body holds more than ${MAX_JSON_CONTAINERS} JSON objects and arrays; split it`));
          return;
        }
        chunks.push(chunk);
      });
      req.on('error', (error) => {
        if (!done) {
          done = true;
          reject(error);
        }
      });
      req.on('end', () => {
        if (done) return;
        done = true;
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.trim() === '') return resolve(undefined);
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(new RuntimeError('APIGW_BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`, { problems: [{ code: 'SCHEMA_VIOLATION', pointer: '', message: 'malformed JSON' }] }));
        }
      });
    });
  }

  private send(req: IncomingMessage, res: ServerResponse, route: string, reply: Reply, started: bigint, extra?: Record<string, string>): void {
    const method = req.method ?? 'GET';
    const metrics = this.options.metrics;
    metrics.requests.inc({ method, route, status: String(reply.status) });
    metrics.duration.observe({ method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...reply.headers, ...extra };
    let payload = '';
    if (reply.text !== undefined) payload = reply.text;
    else if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    headers['content-length'] = String(Buffer.byteLength(payload));
    if (this.leavesBodyUnread(req)) headers['connection'] = 'close';
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  /**
   * Whether the connection must close after this answer because the request's
   * body will not be read to its end: declared larger than the limit, or of
   * unknown length (chunked). A body within the limit is drained by Node and the
   * connection stays open, so a client reusing it is never reset. `req.complete`
   * alone cannot decide: it is false during a synchronous early answer even for
   * a request without a body.
   */
  private leavesBodyUnread(req: IncomingMessage): boolean {
    if (req.complete) return false;
    if (req.headers['transfer-encoding'] !== undefined) return true;
    const declared = Number(req.headers['content-length'] ?? 0);
    return !Number.isFinite(declared) || declared > this.maxBodyBytes;
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const { status, body } = errorBody(error);
    const payload = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(payload)) });
    res.end(payload);
  }
}

function tooLarge(limit: number): RuntimeError {
  return new RuntimeError('APIGW_BODY_TOO_LARGE', `the body is larger than ${limit} bytes`);
}

function errorReply(error: unknown): Reply {
  if (!(error instanceof RuntimeError)) process.emitWarning(`apigw admin request failed: ${(error as Error)?.stack ?? String(error)}`, 'ApigwWarning');
  const { status, body } = errorBody(error);
  return { status, body };
}
