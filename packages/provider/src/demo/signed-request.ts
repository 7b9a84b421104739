/**
 * A minimal client for the gateway's App authentication, as Alibaba's SDKs
 * sign requests: HMAC-SHA256 over the method, the standard headers, the
 * signed `x-ca-*` headers and the path with its sorted query. The string to
 * sign comes from the runtime's signature module, the one the gateway
 * verifies with.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { sign } from '@apigw/runtime';

/** A signed GET's answer. */
export interface SignedResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** What a signed GET needs. */
export interface SignedGetOptions {
  /** Base URL of the data plane. */
  readonly gateway: string;
  /** Host header: a domain bound to the API's group. */
  readonly host: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly stage: 'TEST' | 'PRE' | 'RELEASE';
  readonly appKey: string;
  readonly appSecret: string;
}

/** Sends a signed GET to the gateway's data plane. */
export function signedGet(options: SignedGetOptions): Promise<SignedResponse> {
  const caHeaders: Record<string, string> = {
    'x-ca-key': options.appKey,
    'x-ca-nonce': randomUUID(),
    'x-ca-signature-method': 'HmacSHA256',
    'x-ca-stage': options.stage,
    'x-ca-timestamp': String(Date.now()),
  };
  const headers: Record<string, string> = {
    host: options.host,
    accept: 'application/json',
    ...caHeaders,
    'x-ca-signature-headers': Object.keys(caHeaders).join(','),
  };
  const query = options.query ?? {};
  headers['x-ca-signature'] = sign('HmacSHA256', options.appSecret, { method: 'GET', headers, path: options.path, query, form: null });
  const search = new URLSearchParams(query).toString();
  const url = new URL(`${options.path}${search ? `?${search}` : ''}`, options.gateway);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
