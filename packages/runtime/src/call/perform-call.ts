/**
 * Sends a prepared call to a data plane and reads the answer whole, with
 * the gateway's own error (`X-Ca-Error-Code`, `X-Ca-Error-Message`)
 * explained from the data plane's error table.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { CallError } from '../errors';
import { GATEWAY_ERRORS, type GatewayErrorInfo } from '../dataplane/gateway-errors';
import type { PreparedCall } from './prepare-call';

/** Where and how to send a prepared call. */
export interface PerformCallOptions {
  /** Base URL of the data plane (`http://127.0.0.1:8080`). */
  readonly gateway: string;
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Read at most this many body bytes (default 1 MiB); the rest is dropped and `truncated` set. */
  readonly maxBodyBytes?: number;
  /** TLS: accept a self-signed data-plane certificate. */
  readonly insecure?: boolean;
}

/** The gateway's own error answer, explained. */
export interface GatewayErrorExplained extends GatewayErrorInfo {
  /** `X-Ca-Error-Message` as sent (with its detail). */
  readonly sent: string;
}

/** What the data plane answered. */
export interface CallResponse {
  readonly status: number;
  /** Response headers, lowercased names, in the order received (repeated names repeat). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** The body was longer than `maxBodyBytes`. */
  readonly truncated: boolean;
  /** `X-Ca-Request-Id`: finds the request in the gateway's access log. */
  readonly requestId: string | undefined;
  /** Set when the gateway itself refused or failed the request. */
  readonly gatewayError: GatewayErrorExplained | undefined;
}

/** The explanation of a gateway error answer, from its `X-Ca-Error-Code` (or, failing that, its message). */
export function explainGatewayError(code: string | undefined, message: string | undefined): GatewayErrorExplained | undefined {
  if (code === undefined && message === undefined) return undefined;
  const infos: readonly GatewayErrorInfo[] = Object.values(GATEWAY_ERRORS);
  const info =
    (code !== undefined ? infos.find((i) => i.code === code) : undefined) ??
    (message !== undefined ? infos.find((i) => message === i.message || message.startsWith(i.message + ':') || message.startsWith(i.message + ',')) : undefined);
  if (info === undefined) return undefined;
  return { ...info, sent: message ?? info.message };
}

/** Sends `call` to the data plane at `options.gateway`; rejects with CallError when no answer comes. */
export function performCall(call: PreparedCall, options: PerformCallOptions): Promise<CallResponse> {
  let base: URL;
  try {
    base = new URL(options.gateway);
  } catch {
    return Promise.reject(new CallError(`data-plane address ${JSON.stringify(options.gateway)} is not a URL`));
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return Promise.reject(new CallError(`data-plane address ${options.gateway} is not http(s)`));
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const transport = base.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      {
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port === '' ? undefined : Number(base.port),
        method: call.method,
        path: call.target,
        headers: call.headers,
        timeout: options.timeoutMs ?? 30_000,
        ...(base.protocol === 'https:' ? { servername: call.host, rejectUnauthorized: options.insecure !== true } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (c: Buffer) => {
          if (size + c.length > maxBody) {
            truncated = true;
            chunks.push(c.subarray(0, maxBody - size));
            size = maxBody;
          } else {
            chunks.push(c);
            size += c.length;
          }
        });
        res.on('error', (e) => reject(new CallError(`the answer from ${options.gateway} broke off: ${e.message}`, e)));
        res.on('end', () => {
          const headers: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
          const one = (n: string) => headers.find(([k]) => k === n)?.[1];
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks),
            truncated,
            requestId: one('x-ca-request-id'),
            gatewayError: explainGatewayError(one('x-ca-error-code'), one('x-ca-error-message')),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)));
    req.on('error', (e) => reject(new CallError(`could not call the data plane at ${options.gateway}: ${e.message}`, e)));
    req.end(call.body);
  });
}
