/**
 * The connection pools the data plane reaches HTTP origins through: undici
 * pools whose sockets pass over the interim `100 Continue` answers a backend
 * sends without being asked.
 *
 * RFC 9110 §15.2: a client must be able to parse one or more 1xx answers
 * before the final one, even when it did not expect them. undici reads 102
 * and 103 as informational answers, but it destroys the connection on any
 * `100` (the request is lost with `UND_ERR_SOCKET bad response`), which
 * turns a backend that always says `100 Continue` into a 502. The gateway
 * never sends `Expect` (it answers the client's itself), so every 100 a
 * backend sends is one it was not asked for and says nothing the gateway
 * needs: each socket drops such answers before undici's parser sees them.
 *
 * Where an answer starts is known without parsing the stream: a pool sends
 * one request at a time on a connection (pipelining 1), so an answer starts
 * with the first byte received after a request head was written, which
 * undici announces on `undici:client:sendHeaders`. From there the filter
 * looks at the status line of each answer head; once it sees a final (or a
 * 101, or anything that is not HTTP) it passes every byte on untouched until
 * the next request, so an answer's body is never looked at.
 */
import { subscribe } from 'node:diagnostics_channel';
import { maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import { buildConnector, errors, Pool } from 'undici';

/** How long an idle pooled connection is kept. */
const KEEP_ALIVE_MS = 30_000;
/** How long a connection (and TLS handshake) may take. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Creates the pool for one origin and TLS server name (null: the origin's host). */
export function createUpstreamPool(origin: string, servername: string | null): Pool {
  watchRequestHeads();
  const connect = buildConnector(servername === null ? { timeout: CONNECT_TIMEOUT_MS } : { timeout: CONNECT_TIMEOUT_MS, servername });
  return new Pool(origin, {
    keepAliveTimeout: KEEP_ALIVE_MS,
    // The filter finds where an answer starts only when one request at a time is on a connection.
    pipelining: 1,
    connect(options, callback) {
      connect(options, (...args) => {
        // undici calls back with the error alone when the connection fails.
        if (args[0] === null) filterInterimAnswers(args[1]);
        callback(...args);
      });
    },
  });
}

const FILTER = Symbol('apigw.interimFilter');

type FilteredSocket = Socket & { [FILTER]: InterimFilter };

/** Where the filter is in the bytes it receives. */
const enum At {
  /** Inside a final answer (or between answers): bytes pass untouched. */
  Body,
  /** Where an answer head starts: its status line decides. */
  HeadStart,
  /** Inside the head of a 100 answer: dropped. */
  Dropped,
  /** Inside the head of another 1xx answer: passed on to undici. */
  Kept,
}

/** Bytes of `HTTP/1.x 1dd ` a status line is classified by. */
const STATUS_PREFIX = 13;
const LF = 0x0a;
const CR = 0x0d;

/**
 * The per-connection state: where the stream is, bytes of a status line
 * not yet long enough to classify, and how far an interim head has gone.
 */
class InterimFilter {
  at = At.Body;
  /** Start of a status line that arrived split, held until it can be classified. */
  pending: Buffer | null = null;
  /** 0 inside a line, 1 just after LF, 2 after LF then CR: an empty line ends a head. */
  lineEnd = 0;
  /** Bytes of the current dropped head. */
  dropped = 0;

  constructor(readonly read: Socket['read']) {}

  /** A request head is about to be written: its answer starts with the next byte received. */
  arm(): void {
    this.at = At.HeadStart;
    this.pending = null;
  }

  /**
   * The bytes undici gets from `chunk`: 100 answers removed, everything
   * else as it came. Null when the connection must close (`socket` is then
   * destroyed with the reason).
   */
  filter(socket: Socket, chunk: Buffer): Buffer | null {
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let out: Buffer[] | null = null;
    /** Start of the bytes not yet emitted nor dropped. */
    let from = 0;
    let i = 0;
    while (i < buf.length && this.at !== At.Body) {
      if (this.at === At.HeadStart) {
        const status = interimStatus(buf, i);
        if (status === -1) {
          // Not yet known: keep the start of the line for the next chunk.
          if (i > from) (out ??= []).push(buf.subarray(from, i));
          this.pending = Buffer.from(buf.subarray(i));
          return out === null ? EMPTY : out.length === 1 ? out[0]! : Buffer.concat(out);
        }
        if (status === 0 || status === 101) {
          this.at = At.Body;
          break;
        }
        if (status === 100) {
          if (i > from) (out ??= []).push(buf.subarray(from, i));
          this.at = At.Dropped;
          this.dropped = STATUS_PREFIX;
          from = i + STATUS_PREFIX;
        } else {
          this.at = At.Kept;
        }
        this.lineEnd = 0;
        i += STATUS_PREFIX;
        continue;
      }
      // Inside an interim head: find the empty line that ends it.
      const start = i;
      let ended = false;
      while (i < buf.length) {
        const b = buf[i++]!;
        if (b === LF) {
          if (this.lineEnd !== 0) {
            ended = true;
            break;
          }
          this.lineEnd = 1;
        } else {
          this.lineEnd = b === CR && this.lineEnd === 1 ? 2 : 0;
        }
      }
      if (this.at === At.Dropped) {
        this.dropped += i - start;
        if (this.dropped > maxHeaderSize) {
          // undici's own limit and error for a head that does not end.
          socket.destroy(new errors.HeadersOverflowError(`a 100 Continue head from the backend is over ${maxHeaderSize} bytes`));
          return null;
        }
        from = i;
      }
      if (ended) this.at = At.HeadStart;
    }
    // Nothing dropped: the bytes as they came.
    if (from === 0) return buf;
    if (from < buf.length) (out ??= []).push(buf.subarray(from));
    return out === null ? EMPTY : out.length === 1 ? out[0]! : Buffer.concat(out);
  }
}

const EMPTY = Buffer.alloc(0);
const HTTP_1 = Buffer.from('HTTP/1.', 'latin1');

/**
 * The status of the 1xx answer whose head starts at `at`: 100–199; 0 when
 * the bytes there are not the status line of a 1xx answer (a final answer,
 * or not HTTP); -1 when too few bytes have arrived to tell.
 */
function interimStatus(buf: Buffer, at: number): number {
  const end = Math.min(buf.length, at + STATUS_PREFIX);
  for (let i = at; i < end; i++) {
    const b = buf[i]!;
    const k = i - at;
    let ok: boolean;
    if (k < 7) ok = b === HTTP_1[k];
    else if (k === 7) ok = b === 0x30 || b === 0x31;
    else if (k === 8) ok = b === 0x20;
    else if (k === 9) ok = b === 0x31;
    else if (k < 12) ok = b >= 0x30 && b <= 0x39;
    else ok = b === 0x20 || b === CR || b === LF;
    if (!ok) return 0;
  }
  if (end - at < STATUS_PREFIX) return -1;
  return 100 + (buf[at + 10]! - 0x30) * 10 + (buf[at + 11]! - 0x30);
}

/** Reads through the filter: what undici's parser gets instead of the socket's own bytes. */
function filteredRead(this: FilteredSocket, size?: number): Buffer | null {
  const f = this[FILTER];
  const chunk = f.read.call(this, size) as Buffer | null;
  if (chunk === null || f.at === At.Body) return chunk;
  return f.filter(this, chunk);
}

/** Puts the filter between a new connection and undici's parser (which pulls bytes with `socket.read()`). */
function filterInterimAnswers(socket: Socket): void {
  const s = socket as FilteredSocket;
  s[FILTER] = new InterimFilter(socket.read);
  s.read = filteredRead;
}

let watching = false;

/** Arms a connection's filter whenever undici is about to write a request head on it. */
function watchRequestHeads(): void {
  if (watching) return;
  watching = true;
  subscribe('undici:client:sendHeaders', onSendHeaders);
}

function onSendHeaders(message: unknown): void {
  const socket = (message as { socket?: Partial<FilteredSocket> }).socket;
  socket?.[FILTER]?.arm();
}
