/**
 * The data plane's access log (pino, one JSON line per request) and metrics
 * (prom-client, per API, stage and status), both optional and both chosen
 * by the embedder: the log goes to the destination it passes (silent when
 * none), the metrics into the registry it passes (the admin API's
 * `/metrics` exposes that registry).
 */
import { channel } from 'node:diagnostics_channel';
import pino, { type Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { stageName, type ApiEntry } from '../snapshot/snapshot';
import type { Exchange } from './exchange';
import type { Socket } from 'node:net';

/**
 * Diagnostics channels of the proxied request path (`node:diagnostics_channel`),
 * published with the Exchange only while something subscribes (a check of
 * `hasSubscribers` otherwise): `apigw:dataplane:forward` when the request
 * is handed to the backend's connection pool, `apigw:dataplane:answer` when
 * the backend's answer head arrives. With `ex.start` and the response's
 * `finish` event they split a request's time into the gateway's part before
 * the backend, the backend's, and the gateway's part after it.
 */
export const forwardChannel = channel('apigw:dataplane:forward');
export const answerChannel = channel('apigw:dataplane:answer');

/** Where the access log goes. */
export type AccessLogOption = false | Logger | pino.DestinationStream | NodeJS.WritableStream;

/**
 * Builds the logger: silent for `false`/absent, a given pino logger as it
 * is (with its own timestamp), else pino writing to the destination with
 * an ISO `time`.
 */
export function accessLogger(option: AccessLogOption | undefined): Logger | null {
  if (option === undefined || option === false) return null;
  if (isLogger(option)) return option;
  return pino({ base: null, messageKey: 'msg', timestamp: pino.stdTimeFunctions.isoTime }, option as pino.DestinationStream);
}

/**
 * The sinks of finished exchanges: one access-log line each (request id,
 * client, method, host, path, API, stage, app, status, error code and the
 * detail the client was not told, milliseconds to the answer's head, bytes
 * in and out) and the request metrics. Lines go through the embedder's
 * pino logger when it passed one, else through an AccessLineWriter.
 */
export class ExchangeObserver {
  constructor(
    private readonly logger: Logger | null,
    private readonly lines: AccessLineSink | null,
    private readonly metrics: DataPlaneMetrics | null,
  ) {}

  /** Records a finished exchange. */
  observe(ex: Exchange): void {
    if (this.metrics === null && this.lines === null) return;
    const ms = performance.now() - ex.start;
    if (this.metrics !== null) this.metrics.record(ex, ms / 1000);
    if (this.lines !== null) writeWhenSent(this.lines, ex, ms);
  }

  /** Records an unexpected failure while serving an exchange. */
  logError(ex: Exchange, err: unknown): void {
    if (this.logger !== null) this.logger.error({ requestId: ex.rid, err }, 'request failed');
  }

  /** Writes the access lines not written yet (the data plane is closing). */
  flush(): void {
    this.lines?.flush();
  }
}

/** A connection's byte counters when its previous exchange was logged (see `sinceLastLine`). */
const READ_LOGGED = Symbol('apigw.bytesReadLogged');
const WRITTEN_LOGGED = Symbol('apigw.bytesWrittenLogged');
type CountedSocket = Socket & { [READ_LOGGED]?: number; [WRITTEN_LOGGED]?: number };

/**
 * Bytes a connection carried since its previous exchange was logged: a
 * keep-alive connection carries several exchanges, so each line reports
 * the bytes since the last one (heads included). The request path pays
 * nothing for it, only the access log does. Null without a count.
 */
function sinceLastLine(socket: CountedSocket, key: typeof READ_LOGGED | typeof WRITTEN_LOGGED, now: number | undefined): number | null {
  if (typeof now !== 'number') return null;
  const before = socket[key] ?? 0;
  socket[key] = now;
  return now - before;
}

/** The access-log record of a finished exchange that took `ms` milliseconds. */
export function accessLine(ex: Exchange, ms: number): Record<string, unknown> {
  const req = ex.req;
  const line: Record<string, unknown> = {
    requestId: ex.rid,
    clientIp: ex.clientIp,
    method: req.method,
    host: req.headers.host,
    path: ex.path,
    api: ex.api?.id ?? null,
    stage: stageName(ex.stageIndex),
    app: ex.app?.name ?? null,
    status: ex.status,
    errorCode: ex.errorCode,
    ms: Math.round(ms * 1000) / 1000,
    protocol: ex.tls ? 'https' : 'http',
  };
  if (ex.errorDetail !== null) line.errorDetail = ex.errorDetail;
  return line;
}

/** A JSON string literal of `text`, or `null` for none (the spelling pino gives these values). */
function jsonText(text: string | null): string {
  return text === null ? 'null' : JSON.stringify(text);
}

/** The ISO text of the last millisecond a line was written in: requests that end in the same millisecond share it. */
let isoMs = NaN;
let isoText = '';

function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/**
 * The access-log line of an exchange, as the data plane's own pino logger
 * writes `accessLine` with the byte counts added (level 30, ISO time, the
 * same keys in the same order, `host` left out when the request had none),
 * built as one string from a template instead of an object pino walks.
 */
function accessText(ex: Exchange, ms: number, bytesIn: number | null, bytesOut: number | null): string {
  const req = ex.req;
  const host = req.headers.host;
  return (
    '{"level":30,"time":"' + isoNow() +
    // Request ids are hex digits and dashes (see nextRequestId): nothing to escape.
    '","requestId":"' + ex.rid + '"' +
    ',"clientIp":' + jsonText(ex.clientIp) +
    ',"method":' + jsonText(req.method ?? null) +
    (host === undefined ? '' : ',"host":' + jsonText(host)) +
    ',"path":' + jsonText(ex.path) +
    ',"api":' + jsonText(ex.api === null ? null : ex.api.id) +
    ',"stage":' + jsonText(stageName(ex.stageIndex)) +
    ',"app":' + jsonText(ex.app === null ? null : ex.app.name) +
    ',"status":' + ex.status +
    ',"errorCode":' + jsonText(ex.errorCode) +
    ',"ms":' + Math.round(ms * 1000) / 1000 +
    (ex.tls ? ',"protocol":"https"' : ',"protocol":"http"') +
    (ex.errorDetail === null ? '' : ',"errorDetail":' + jsonText(ex.errorDetail)) +
    ',"bytesIn":' + bytesIn +
    ',"bytesOut":' + bytesOut +
    '}\n'
  );
}

/** Text gathered before it is written at once. */
const FLUSH_AT = 64 * 1024;
/** Longest a line waits for a non-blocking destination, in milliseconds. */
const FLUSH_MS = 10;

/** Where finished exchanges' lines go: a writer of formatted lines, or an embedder's pino logger. */
export interface AccessLineSink {
  /** Takes the line of an exchange whose answer is sent (or whose client is gone), with the bytes its connection carried for it. */
  write(ex: Exchange, ms: number, socket: CountedSocket | null): void;
  /** Writes what it holds (the data plane is closing). */
  flush(): void;
}

/** What an answer not yet sent needs for its line: kept on the response until its `close`. */
class PendingLine {
  constructor(
    readonly sink: AccessLineSink,
    readonly ex: Exchange,
    readonly ms: number,
    readonly socket: CountedSocket | null,
  ) {}
}

const PENDING = Symbol('apigw.pendingLine');
type LoggedResponse = Exchange['res'] & { [PENDING]?: PendingLine };

/** A response's `close`: its exchange's line can be written (one listener function for every response). */
function onResponseClose(this: LoggedResponse): void {
  const pending = this[PENDING];
  if (pending === undefined) return;
  this[PENDING] = undefined;
  pending.sink.write(pending.ex, pending.ms, pending.socket);
}

/**
 * Hands an exchange's line to the sink once its answer is sent (at once
 * when it already is, or the connection is gone): `ms` stays the time to
 * the answer's head, the byte counts cover the whole exchange. The socket
 * is taken now, since Node detaches it from the request once the
 * connection closes; without one (a client already gone) the counts are
 * null.
 */
function writeWhenSent(sink: AccessLineSink, ex: Exchange, ms: number): void {
  const res = ex.res as LoggedResponse;
  const socket = ex.req.socket as CountedSocket | null;
  if (res.closed) {
    sink.write(ex, ms, socket);
    return;
  }
  res[PENDING] = new PendingLine(sink, ex, ms, socket);
  res.on('close', onResponseClose);
}

/** The lines through an embedder's pino logger, with its own formatting and destination. */
class LoggerLineSink implements AccessLineSink {
  constructor(private readonly logger: Logger) {}

  write(ex: Exchange, ms: number, socket: CountedSocket | null): void {
    const line = accessLine(ex, ms);
    line.bytesIn = socket === null ? null : sinceLastLine(socket, READ_LOGGED, socket.bytesRead);
    line.bytesOut = socket === null ? null : sinceLastLine(socket, WRITTEN_LOGGED, socket.bytesWritten);
    this.logger.info(line);
  }

  flush(): void {}
}

/**
 * Writes the access lines of a destination the data plane formats itself,
 * gathered rather than one write per request (at once when 64 KiB gather;
 * what is left when the data plane closes):
 * - a non-blocking destination (pino.destination with `sync: false`, what
 *   `apigw serve` logs to stdout with), whose writes are thread-pool jobs
 *   that finish later anyway: the lines of up to 10 ms, so a busy gateway
 *   starts about a hundred jobs a second;
 * - any other destination (a file written synchronously, a stream): the
 *   lines of one event-loop turn, written at its end, so a line is written
 *   before the client can have read its answer, as one write per request was.
 */
export class AccessLineWriter implements AccessLineSink {
  private pending = '';
  /** A write is due (at the end of the turn, or when `timer` fires). */
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  /** The destination writes in the background (SonicBoom's `sync: false`). */
  private readonly nonBlocking: boolean;

  constructor(private readonly destination: pino.DestinationStream | NodeJS.WritableStream) {
    this.nonBlocking = (destination as { sync?: unknown }).sync === false;
  }

  /** Adds the line of an exchange whose answer is sent (or whose client is gone). */
  write(ex: Exchange, ms: number, socket: CountedSocket | null): void {
    const bytesIn = socket === null ? null : sinceLastLine(socket, READ_LOGGED, socket.bytesRead);
    const bytesOut = socket === null ? null : sinceLastLine(socket, WRITTEN_LOGGED, socket.bytesWritten);
    this.pending += accessText(ex, ms, bytesIn, bytesOut);
    if (this.pending.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      if (this.nonBlocking) this.timer = setTimeout(this.flushLater, FLUSH_MS);
      else setImmediate(this.flushLater);
    }
  }

  private readonly flushLater = (): void => {
    this.timer = null;
    this.scheduled = false;
    this.flush();
  };

  /** Writes what has gathered. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
      this.scheduled = false;
    }
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    try {
      this.destination.write(text);
    } catch (err) {
      // A destination ended under the data plane (a write made later than the request cannot be its error).
      process.emitWarning(`apigw: access log lines lost: ${(err as Error).message}`, 'ApigwWarning');
    }
  }
}

/**
 * Where the access lines of an option go: an embedder's pino logger as it
 * is, a destination through lines the data plane formats itself, none for
 * `false` or absent.
 */
export function accessLineSink(option: AccessLogOption | undefined): AccessLineSink | null {
  if (option === undefined || option === false) return null;
  return isLogger(option) ? new LoggerLineSink(option) : new AccessLineWriter(option as pino.DestinationStream);
}

function isLogger(option: AccessLogOption): option is Logger {
  return typeof (option as Logger).info === 'function' && typeof (option as Logger).child === 'function';
}

/** Requests of one label set (API, stage, status) counted since the registry was last read. */
interface PendingCount {
  readonly labels: { readonly api: string; readonly stage: string; readonly status: string };
  pending: number;
}

/** What one API (or no API) records in one stage, found from the exchange without building a key. */
interface StageSeries {
  readonly api: string;
  readonly stage: string;
  readonly duration: { observe(v: number): void };
  readonly byStatus: Map<number, PendingCount>;
}

/**
 * Counters and latency histogram of the request path. A request adds one
 * to a plain number found through its API entry, stage and status; the
 * counter takes the sums when the registry is read (prom-client's
 * `collect`), so the request path builds no label key and hashes no label
 * set for the count.
 */
export class DataPlaneMetrics {
  private readonly duration: Histogram<'api' | 'stage'>;
  /** Per compiled API entry (dropped with its snapshot), by stage index. */
  private readonly series = new WeakMap<ApiEntry, (StageSeries | undefined)[]>();
  /** Requests no API matched, by stage index. */
  private readonly unmatched: (StageSeries | undefined)[] = [];
  /** Every label set seen, by `api\nstage\nstatus`: shared by the entries of successive snapshots. */
  private readonly counts = new Map<string, PendingCount>();

  constructor(registry: Registry) {
    const counts = this.counts;
    // Registered in the registry, which reads it; the request path only adds to `counts`.
    new Counter({
      name: 'apigw_requests_total',
      help: 'Requests answered by the data plane, by API (group/name, empty when none matched), stage and status.',
      labelNames: ['api', 'stage', 'status'],
      registers: [registry],
      collect(this: Counter<'api' | 'stage' | 'status'>) {
        for (const c of counts.values()) {
          if (c.pending === 0) continue;
          this.inc(c.labels, c.pending);
          c.pending = 0;
        }
      },
    });
    this.duration = new Histogram({
      name: 'apigw_request_duration_seconds',
      help: 'Time from request to response headers, by API and stage.',
      labelNames: ['api', 'stage'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  record(ex: Exchange, seconds: number): void {
    const entry = ex.api;
    let byStage = entry === null ? this.unmatched : this.series.get(entry);
    if (byStage === undefined) this.series.set(entry!, (byStage = []));
    let s = byStage[ex.stageIndex];
    if (s === undefined) {
      const api = entry === null ? '' : entry.id;
      const stage = stageName(ex.stageIndex);
      byStage[ex.stageIndex] = s = { api, stage, duration: this.duration.labels(api, stage), byStatus: new Map() };
    }
    let c = s.byStatus.get(ex.status);
    if (c === undefined) {
      const key = s.api + '\n' + s.stage + '\n' + ex.status;
      c = this.counts.get(key);
      if (c === undefined) this.counts.set(key, (c = { labels: { api: s.api, stage: s.stage, status: String(ex.status) }, pending: 0 }));
      s.byStatus.set(ex.status, c);
    }
    c.pending++;
    s.duration.observe(seconds);
  }
}
