/**
 * Relays an exchange to an HTTP origin through its undici pool with
 * `dispatch`: the response streams to the client chunk by chunk with
 * backpressure, and nothing is buffered. One handler object per request;
 * no per-request closures on the common path.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Exchange } from '../exchange';
import type { GatewayErrorName } from '../gateway-errors';
import { BodyTooLargeError, HOP_BY_HOP } from '../parameters';

/** Where a request goes: an origin's pool, a path prefix and an optional Host header. */
export interface ProxyTarget {
  /** `http://host:port` */
  readonly origin: string;
  /** Path prefix on the origin ('' for none; never ends with `/`). */
  readonly basePath: string;
  /** Host header to send; undici sends the origin's host when null. */
  readonly hostHeader: string | null;
}

const RESPONSE_DROPPED = ['x-ca-error-message', 'x-ca-error-code'];

/** Maps an undici failure to the gateway error it means for the client. */
export function backendErrorName(err: Error & { code?: string }): GatewayErrorName {
  if (err instanceof BodyTooLargeError) return 'BODY_TOO_LARGE';
  switch (err.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'BACKEND_TIMEOUT';
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'SERVICE_UNAVAILABLE';
    default:
      return 'BACKEND_FAILED';
  }
}

class ProxyHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private size = 0;
  private finished = false;

  constructor(private readonly ex: Exchange) {}

  /** The client went away: stop the backend exchange. */
  readonly onClientClose = (): void => {
    if (!this.finished && this.controller !== null) {
      this.finished = true;
      this.controller.abort(new Error('client closed the connection'));
      this.ex.done(499);
    }
  };

  private drainListener: (() => void) | null = null;

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    const ex = this.ex;
    const res = ex.res;
    if (res.destroyed) return;
    const connection = headers.connection;
    if (connection !== undefined) {
      // Headers named in Connection are hop-by-hop too.
      const names = (typeof connection === 'string' ? connection : String(connection)).split(',');
      for (let i = 0; i < names.length; i++) delete headers[names[i]!.trim().toLowerCase()];
    }
    for (const name of HOP_BY_HOP) if (headers[name] !== undefined) delete headers[name];
    for (let i = 0; i < RESPONSE_DROPPED.length; i++) if (headers[RESPONSE_DROPPED[i]!] !== undefined) delete headers[RESPONSE_DROPPED[i]!];
    const len = headers['content-length'];
    if (len !== undefined && Number(len) > ex.rt.maxResponseBytes) {
      this.finished = true;
      this.controller?.abort(new Error('response too large'));
      ex.sendError('BACKEND_FAILED', ': response body too large');
      return;
    }
    headers['x-ca-request-id'] = ex.rid;
    res.writeHead(statusCode, headers as Record<string, string | string[]>);
    ex.done(statusCode);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.ex.res;
    if (this.finished || res.destroyed) return;
    this.size += chunk.length;
    if (this.size > this.ex.rt.maxResponseBytes) {
      this.finished = true;
      controller.abort(new Error('response too large'));
      res.destroy();
      return;
    }
    if (!res.write(chunk)) {
      controller.pause();
      res.once('drain', (this.drainListener ??= () => this.controller?.resume()));
    }
  }

  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    this.ex.res.removeListener('close', this.onClientClose);
    this.ex.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.finished) return;
    this.finished = true;
    const ex = this.ex;
    ex.res.removeListener('close', this.onClientClose);
    if (ex.res.headersSent) {
      ex.res.destroy();
      return;
    }
    if (ex.res.destroyed) {
      ex.done(499);
      return;
    }
    const name = backendErrorName(err);
    ex.sendError(name, name === 'BODY_TOO_LARGE' ? undefined : ': ' + (err as { code?: string }).code);
  }
}

/** Sends the exchange to the target. */
export function proxy(ex: Exchange, target: ProxyTarget): void {
  const headers = ex.fwdHeaders;
  if (target.hostHeader !== null) headers.push('host', target.hostHeader);
  const handler = new ProxyHandler(ex);
  ex.res.once('close', handler.onClientClose);
  const timeout = ex.api!.timeoutMs;
  ex.rt.pool(target.origin).dispatch(
    {
      path: target.basePath === '' ? ex.fwdPath : target.basePath + ex.fwdPath,
      method: ex.fwdMethod as Dispatcher.HttpMethod,
      headers,
      body: ex.fwdBody as Dispatcher.DispatchOptions['body'],
      headersTimeout: timeout,
      bodyTimeout: timeout,
    },
    handler,
  );
}
