/**
 * The state of one request as it passes through the gateway (`Exchange`),
 * how a gateway-made error is answered, and what a request sees of the data
 * plane that serves it (`GatewayRuntime`). The steps that fill it are in
 * `pipeline.ts`; backend modules read it and end it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery, type ParsedUrlQuery } from 'node:querystring';
import type { Readable } from 'node:stream';
import type { Pool } from 'undici';
import type { ApiEntry, AppEntry, Snapshot } from '../snapshot/snapshot';
import { GATEWAY_ERRORS, type GatewayErrorName } from './gateway-errors';
import type { BlockList, Socket } from 'node:net';
import type { NonceLedger } from './nonce-store';
import { clientAddress } from './plugins/ip-control';
import type { ApiPlugins } from './plugins/plugin-table';
import type { RateCounter } from './plugins/rate-counter';
import type { SignatureMethod } from './signature';

/**
 * What a request sees of the data plane that serves it: the current
 * snapshot, shared services (pools, nonce memory) and the sinks for its
 * outcome. Backend modules are not reached through it: each compiled
 * target carries its module's `invoke`.
 */
export interface GatewayRuntime {
  /** The snapshot new requests are served from. */
  readonly snapshot: Snapshot;
  /** Nonces of APIs that do not demand anti-replay: remembered by this process. */
  readonly nonces: NonceLedger;
  /** Nonces of APIs that demand anti-replay: shared by every process serving the gateway. */
  readonly replayNonces: NonceLedger;
  readonly maxBodyBytes: number;
  /** Largest backend response body relayed; larger answers are cut off. */
  readonly maxResponseBytes: number;
  /** Value of the CaInstanceId system parameter. */
  readonly instanceId: string;
  /** Also tell clients what the access log says about a backend failure (development only). */
  readonly revealErrorDetail: boolean;
  /** Where traffic-control counts live: this process, a file its workers share, or a store every node shares. */
  readonly rateCounter: RateCounter;
  /** Proxies whose X-Forwarded-For is believed for the client address; null when none. */
  readonly trustedProxies: BlockList | null;
  /** The clock of traffic control and JWT time checks, epoch milliseconds. */
  now(): number;
  /** The keep-alive pool for an origin (and TLS server name), created on first use and reused. */
  pool(origin: string, servername: string | null): Pool;
  /** Records a finished exchange (access log, metrics). */
  observe(ex: Exchange): void;
  /** Records an unexpected failure while serving an exchange. */
  logError(ex: Exchange, err: unknown): void;
}

/** Peer address of each open connection, asked of Node once per connection rather than once per request. */
const peers = new WeakMap<Socket, string>();

/** The address of the connection's peer ('' once the socket is gone). */
function peerAddress(socket: Socket): string {
  let peer = peers.get(socket);
  if (peer === undefined) {
    peer = socket.remoteAddress ?? '';
    if (peer !== '') peers.set(socket, peer);
  }
  return peer;
}

/** Per-process prefix plus a counter: unique, ordered and cheap. */
const RID_PREFIX = randomUUID().slice(0, 24).toUpperCase();
let ridCounter = 0;
/** A fresh X-Ca-Request-Id. */
export function nextRequestId(): string {
  ridCounter = (ridCounter + 1) % 0xffffffffffff;
  const n = ridCounter.toString(16).toUpperCase();
  return RID_PREFIX + '000000000000'.slice(n.length) + n;
}

/**
 * A refusal: the gateway error to answer, with optional detail text after
 * its message (`Invalid Param Required: id`). Steps of the pipeline (and
 * per-API policies) return one to stop the request, or null to let it go on.
 */
export class ErrorAnswer {
  constructor(
    readonly name: GatewayErrorName,
    readonly detail?: string,
  ) {}
}

/** Longest detail text echoed in X-Ca-Error-Message: client input never makes an answer unbounded. */
export const MAX_ERROR_DETAIL = 1024;

/** The state of one request as it passes through the gateway. */
export class Exchange {
  readonly rid: string = nextRequestId();
  readonly start: number = performance.now();
  api: ApiEntry | null = null;
  stageIndex = 2;
  /** The calling app, once authenticated (APP APIs). */
  app: AppEntry | null = null;
  path = '/';
  rawQuery = '';
  private parsedQuery: ParsedUrlQuery | null = null;
  /** Raw path parameter values (template order). */
  params: string[] = [];
  /** Rest of the path after a prefix route. */
  remainder = '';
  /** The whole body when it had to be read before forwarding. */
  body: Buffer | null = null;
  /** Parsed form body (application/x-www-form-urlencoded read in full). */
  form: ParsedUrlQuery | null = null;
  /** True when the request used an AppCode in the query string (removed before forwarding). */
  appCodeInQuery = false;
  /** True when the AppCode came in the Authorization header (removed before forwarding). */
  appCodeInHeader = false;
  /** The algorithm of a signed request (null for AppCode and anonymous calls). */
  signatureMethod: SignatureMethod | null = null;
  /** X-Ca-Timestamp of a signed request, NaN when it sent none. */
  signedAt = NaN;
  /** What to send to the backend, filled by buildForward. */
  fwdMethod = 'GET';
  fwdPath = '/';
  fwdHeaders: string[] = [];
  fwdBody: Buffer | Readable | AsyncIterable<Buffer> | null = null;
  /** The client sent `Expect: 100-continue` and has not been told to send its body yet. */
  awaitingContinue = false;
  status = 0;
  errorCode: string | null = null;
  /** What the access log says about a failure the client is told less of (a backend's address, a VPC instance id). */
  errorDetail: string | null = null;
  /** The plugins acting on the API in this stage (null when none), found after routing. */
  plugins: ApiPlugins | null = null;
  /** Backend headers a JWT plugin sets from the token's claims, and the client's headers of those names to drop. */
  claimHeaders: { readonly drop: ReadonlySet<string>; readonly add: readonly string[] } | null = null;
  /** True when a CORS plugin put Access-Control-* headers on the answer (a backend's own are then not relayed). */
  corsApplied = false;

  /** The peer's address, read when the request arrives (Node detaches the socket from a finished request). */
  readonly peerIp: string;
  /**
   * The client's address: the peer's, or, when the peer is a proxy the
   * runtime trusts, the one X-Forwarded-For names (see `clientAddress`).
   */
  readonly clientIp: string;

  constructor(
    readonly rt: GatewayRuntime,
    readonly snapshot: Snapshot,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly tls: boolean,
  ) {
    const peer = peerAddress(req.socket);
    this.peerIp = peer;
    const trusted = rt.trustedProxies;
    this.clientIp = trusted === null ? peer : clientAddress(peer, req.headers['x-forwarded-for'], trusted);
  }

  /** Decoded query parameters (parsed once, on first use). */
  get query(): ParsedUrlQuery {
    if (this.parsedQuery === null) this.parsedQuery = this.rawQuery === '' ? Object.create(null) : parseQuery(this.rawQuery);
    return this.parsedQuery!;
  }


  /** Tells a client that waits for it (`Expect: 100-continue`) to send its body; once. */
  sendContinue(): void {
    if (!this.awaitingContinue) return;
    this.awaitingContinue = false;
    if (!this.res.headersSent && !this.res.destroyed) this.res.writeContinue();
  }

  /** Answers a refusal. */
  refuse(answer: ErrorAnswer): void {
    this.sendError(answer.name, answer.detail);
  }

  /**
   * Answers a gateway-made error (status, X-Ca-Error-Message,
   * X-Ca-Error-Code, X-Ca-Request-Id). `detail` follows the message;
   * `internal` (names of services, VPC instances, backend addresses) goes to
   * the access log only, unless `revealErrorDetail` is on.
   */
  sendError(name: GatewayErrorName, detail?: string, internal?: string): void {
    const info = GATEWAY_ERRORS[name];
    if (internal !== undefined) {
      this.errorDetail = internal;
      if (this.rt.revealErrorDetail) detail = (detail ?? '') + ' (' + internal + ')';
    }
    if (detail !== undefined && detail.length > MAX_ERROR_DETAIL) detail = detail.slice(0, MAX_ERROR_DETAIL) + '...';
    let message: string = detail === undefined ? info.message : info.message + detail;
    if (/[^\x20-\x7e]/.test(message)) message = message.replace(/[^\x20-\x7e]/g, (c) => encodeURIComponent(c));
    const res = this.res;
    this.errorCode = info.code;
    if (res.headersSent) {
      res.destroy();
      this.done(info.status);
      return;
    }
    const body = JSON.stringify({ requestId: this.rid, errorCode: info.code, errorMessage: message });
    res.writeHead(info.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-ca-request-id': this.rid,
      'x-ca-error-code': info.code,
      'x-ca-error-message': message,
    });
    res.end(body);
    this.done(info.status);
  }

  /** Records the outcome (access log, metrics). Called once per request. */
  done(status: number): void {
    if (this.status !== 0) return;
    this.status = status;
    this.rt.observe(this);
  }
}
