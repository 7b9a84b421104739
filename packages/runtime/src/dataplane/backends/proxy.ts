/**
 * Relays an exchange to an HTTP origin through its undici pool with
 * `dispatch`: the response streams to the client chunk by chunk with
 * backpressure, and nothing is buffered. One handler object per request;
 * no per-request closures on the common path.
 */
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { Exchange } from '../exchange';
import type { GatewayErrorName } from '../gateway-errors';
import { BodyTooLargeError } from '../../errors';
import { connectionTokens, HOP_BY_HOP } from '../http-facts';
import { answerChannel, forwardChannel } from '../observability';

/** Where a request goes: an origin's pool, a path prefix and an optional Host header. */
export interface ProxyTarget {
  /** `http://host:port` */
  readonly origin: string;
  /** Path prefix on the origin ('' for none; never ends with `/`). */
  readonly basePath: string;
  /** Host header to send; undici sends the origin's host when null. */
  readonly hostHeader: string | null;
  /** TLS server name (SNI and certificate check) for https origins; the origin's host when null. */
  readonly servername: string | null;
}

/** Key of the pool a target uses: one pool per origin and TLS server name. */
export function poolKey(origin: string, servername: string | null): string {
  return servername === null ? origin : `${origin}#${servername}`;
}

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

/**
 * What a client is told went wrong with the backend: the failure's code
 * (`UND_ERR_SOCKET`, `ECONNREFUSED`), or what kind of failure it was when it
 * has none; never empty, and never an address or a name of the backend.
 */
export function backendFailureCause(err: Error & { code?: string }): string {
  if (err.code === 'UND_ERR_SOCKET') {
    // undici's names for an answer it was not waiting for, and for a 101 to a request that asked for no upgrade.
    if (err.message === 'bad response') return 'the backend sent an answer it was not asked for (bytes after its answer)';
    if (err.message === 'bad upgrade') return 'the backend switched protocols';
  }
  if (typeof err.code === 'string' && err.code !== '') return err.code;
  if (err.name === 'HTTPParserError') return 'the backend answer is not HTTP';
  return err.name === 'Error' || err.name === '' ? 'the backend exchange failed' : err.name;
}

/** Response headers never relayed: hop-by-hop ones and gateway error signals the backend must not forge. */
const RESPONSE_DROPPED = new Set([...HOP_BY_HOP, 'x-ca-error-message', 'x-ca-error-code', 'x-ca-request-id']);

/**
 * Relays one backend exchange. A client that goes away is noticed when its
 * connection closes, whatever the backend is doing then (waiting for its
 * answer, or streaming it), and the backend exchange is aborted at once: a
 * backend never works, nor holds a pooled connection, for nobody.
 *
 * The handler speaks the interface undici's HTTP/1.1 client calls
 * (`onConnect`, `onHeaders` with the raw header list, `onData`,
 * `onComplete`, `onError`): given the newer controller-based one, undici
 * wraps every request's handler in an adapter that allocates a controller
 * and turns the raw headers into an object, which the relay then turns
 * back into a list.
 */
class ProxyHandler implements Dispatcher.DispatchHandler {
  private abortBackend: ((err: Error) => void) | null = null;
  private resumeBackend: (() => void) | null = null;
  /** The client's socket is full: undici holds the backend's body until it drains. */
  private paused = false;
  private size = 0;
  /** Content-Length of the answer, -1 when it streams without one. */
  private expected = -1;
  private finished = false;
  private drainListener: (() => void) | null = null;
  /** The client's connection, watched for its close while this relay is in flight. */
  client: WatchedSocket | null = null;

  constructor(
    private readonly ex: Exchange,
    /** The backend's origin, for the access log. */
    private readonly origin: string,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abortBackend = abort;
    // The client left while the request waited for a backend connection.
    if (this.finished) abort(new Error('client closed the connection'));
  }

  /** The exchange is over for the relay: nothing more is written, and the client's connection forgets it. */
  private settle(): void {
    this.finished = true;
    const socket = this.client;
    if (socket !== null && socket[IN_FLIGHT] === this) socket[IN_FLIGHT] = null;
  }

  /** The client's connection closed before the answer was complete. */
  clientGone(): void {
    if (this.finished) return;
    this.settle();
    this.abort(new Error('client closed the connection'));
    this.ex.done(499);
  }

  private abort(err: Error): void {
    this.abortBackend?.(err);
  }

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    this.resumeBackend = resume;
    try {
      this.start(statusCode, raw);
    } catch (err) {
      // Never leave the client without an answer, nor the backend exchange running.
      this.settle();
      this.abort(err as Error);
      this.ex.rt.logError(this.ex, err);
      this.ex.sendError('INTERNAL_ERROR');
    }
    return !this.paused;
  }

  private start(statusCode: number, raw: Buffer[]): void {
    const ex = this.ex;
    const res = ex.res;
    if (statusCode < 200) {
      this.informational(statusCode, raw);
      return;
    }
    if (answerChannel.hasSubscribers) answerChannel.publish(ex);
    if (res.destroyed) {
      this.settle();
      this.abort(new Error('client closed the connection'));
      ex.done(499);
      return;
    }
    // Names lowercased, values as Latin-1 text, in the backend's order; a repeated field stays repeated.
    const out: string[] = [];
    let len: string | undefined;
    let connection: string | undefined;
    const cors = ex.corsApplied;
    for (let i = 0; i < raw.length; i += 2) {
      const field = raw[i]!;
      const name = knownName(field) ?? field.toString('latin1').toLowerCase();
      if (name === 'content-length') {
        const value = raw[i + 1]!.toString('latin1');
        len ??= value;
        out.push(name, value);
        continue;
      }
      if (name === 'connection') {
        const value = raw[i + 1]!.toString('latin1');
        connection = connection === undefined ? value : connection + ',' + value;
        continue;
      }
      if (RESPONSE_DROPPED.has(name)) continue;
      // A CORS plugin decides the Access-Control-* headers; the backend's own would contradict it.
      if (cors && name.startsWith('access-control-')) continue;
      out.push(name, raw[i + 1]!.toString('latin1'));
    }
    if (len !== undefined && Number(len) > ex.rt.maxResponseBytes) {
      this.settle();
      this.abort(new Error('response too large'));
      ex.sendError('BACKEND_FAILED', ': response body too large');
      return;
    }
    if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') dropListed(out, connectionTokens(connection));
    out.push('x-ca-request-id', ex.rid);
    this.expected = len === undefined ? -1 : Number(len);
    try {
      res.writeHead(statusCode, out);
    } catch {
      // A header Node refuses to send (undici is more lenient): not an answer we can relay.
      this.settle();
      this.abort(new Error('backend answer has an invalid header'));
      ex.sendError('BACKEND_FAILED', ': invalid response header');
      return;
    }
    ex.done(statusCode);
  }

  /**
   * A 1xx answer before the final one (RFC 9110 §15.2): 103 Early Hints
   * passes its Link headers on; 102 is the backend's business. A 100 never
   * gets here (the upstream pool drops it, see upstream-pool.ts), nor does a
   * 101 (undici fails the exchange: `bad upgrade`).
   */
  private informational(statusCode: number, raw: Buffer[]): void {
    const res = this.ex.res;
    if (statusCode !== 103 || res.headersSent || res.destroyed) return;
    const link: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toString('latin1').toLowerCase() === 'link') link.push(raw[i + 1]!.toString('latin1'));
    if (link.length === 0) return;
    try {
      res.writeEarlyHints({ link: link.length === 1 ? link[0]! : link });
    } catch {
      // Hints a client cannot be sent are only hints.
    }
  }

  onData(chunk: Buffer): boolean {
    const res = this.ex.res;
    if (this.finished) return true;
    if (res.destroyed) {
      this.settle();
      this.abort(new Error('client closed the connection'));
      return true;
    }
    this.size += chunk.length;
    if (this.size > this.ex.rt.maxResponseBytes) {
      this.settle();
      this.abort(new Error('response too large'));
      res.destroy();
      return true;
    }
    if (this.size === this.expected) {
      // The whole answer: head, body and end leave in one write.
      this.settle();
      res.end(chunk);
      return true;
    }
    if (!res.write(chunk)) {
      this.paused = true;
      res.once('drain', (this.drainListener ??= () => this.resume()));
    }
    return !this.paused;
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeBackend?.();
  }

  onComplete(): void {
    if (this.finished) return;
    this.settle();
    this.ex.res.end();
  }

  onError(err: Error): void {
    if (this.finished) return;
    this.settle();
    const ex = this.ex;
    if (ex.res.headersSent) {
      ex.res.destroy();
      return;
    }
    if (ex.res.destroyed) {
      ex.done(499);
      return;
    }
    const name = backendErrorName(err);
    if (name === 'BODY_TOO_LARGE') return ex.sendError(name);
    const internal = `${this.origin}: ${err.message}`;
    if (name === 'SERVICE_UNAVAILABLE') return ex.sendError(name, ': ' + backendFailureCause(err), internal);
    ex.errorDetail = internal;
    ex.sendError(name, ': ' + backendFailureCause(err));
  }
}

/**
 * Response header names backends commonly send, lowercased, by length: a
 * name found here is taken without decoding the bytes into a string and
 * lowercasing it (the relay does that for every field of every answer).
 */
const KNOWN_NAMES: { readonly bytes: Buffer; readonly name: string }[][] = [];
for (const name of [
  'server', 'date', 'content-type', 'content-length', 'connection', 'keep-alive', 'transfer-encoding',
  'cache-control', 'etag', 'last-modified', 'expires', 'vary', 'set-cookie', 'location', 'content-encoding',
  'content-language', 'content-disposition', 'accept-ranges', 'age', 'pragma', 'x-request-id', 'x-powered-by',
  'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'content-security-policy', 'link',
]) {
  (KNOWN_NAMES[name.length] ??= []).push({ bytes: Buffer.from(name, 'latin1'), name });
}

/**
 * The lowercased name of a raw header field when it is one of KNOWN_NAMES
 * in any letter case, else undefined. Only ASCII letters compare without
 * case; every other byte compares exactly.
 */
function knownName(field: Buffer): string | undefined {
  const candidates = KNOWN_NAMES[field.length];
  if (candidates === undefined) return undefined;
  next: for (let c = 0; c < candidates.length; c++) {
    const known = candidates[c]!.bytes;
    for (let i = 0; i < known.length; i++) {
      const b = field[i]!;
      const k = known[i]!;
      // `k - 32` is the upper-case letter of a lower-case one.
      if (b !== k && (k < 0x61 || k > 0x7a || b !== k - 32)) continue next;
    }
    return candidates[c]!.name;
  }
  return undefined;
}

/** Removes from a flat header list the fields a Connection header named (hop-by-hop for this connection only). */
function dropListed(out: string[], listed: ReadonlySet<string>): void {
  let w = 0;
  for (let r = 0; r < out.length; r += 2) {
    if (listed.has(out[r]!)) continue;
    out[w++] = out[r]!;
    out[w++] = out[r + 1]!;
  }
  out.length = w;
}

/** The relay in flight on a client connection (one at a time: Node's server answers a connection's requests in order). */
const IN_FLIGHT = Symbol('apigw.proxy.inFlight');
type WatchedSocket = Socket & { [IN_FLIGHT]?: ProxyHandler | null };

function onClientClose(this: WatchedSocket): void {
  const handler = this[IN_FLIGHT];
  this[IN_FLIGHT] = null;
  handler?.clientGone();
}

/** Has the connection's close abort the relay in flight on it: one listener per connection, not per request. */
function watchClient(socket: WatchedSocket | null, handler: ProxyHandler): void {
  if (socket === null) return;
  if (socket.destroyed) {
    // Gone before the relay began: the backend exchange is refused as soon as undici starts it.
    handler.clientGone();
    return;
  }
  if (!(IN_FLIGHT in socket)) socket.once('close', onClientClose);
  socket[IN_FLIGHT] = handler;
  handler.client = socket;
}

/** Sends the exchange to the target. */
export function proxy(ex: Exchange, target: ProxyTarget): void {
  const headers = ex.fwdHeaders;
  if (target.hostHeader !== null) headers.push('host', target.hostHeader);
  const handler = new ProxyHandler(ex, target.origin);
  watchClient(ex.res.socket as WatchedSocket | null, handler);
  if (forwardChannel.hasSubscribers) forwardChannel.publish(ex);
  const timeout = ex.api!.timeoutMs;
  ex.rt.pool(target.origin, target.servername).dispatch(
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
