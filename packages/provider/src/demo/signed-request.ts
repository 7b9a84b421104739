/**
 * A minimal client for the gateway's App authentication, as Alibaba's SDKs
 * sign requests: HMAC-SHA256 over the method, the standard headers, the
 * signed `x-ca-*` headers and the path with its sorted query.
 */
import { createHmac, randomUUID } from 'node:crypto';
import * as http from 'node:http';

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

/** The string to sign of a body-less request (see REFERENCE: Alibaba Cloud App authentication). */
export function stringToSignForGet(accept: string, headers: Readonly<Record<string, string>>, path: string, query: Readonly<Record<string, string>>): string {
  const signed = Object.keys(headers).sort();
  const keys = Object.keys(query).sort();
  const queryText = keys.map((k) => (query[k] === '' ? k : `${k}=${query[k]}`)).join('&');
  return ['GET', accept, '', '', '', ...signed.map((n) => `${n}:${headers[n]}`), keys.length > 0 ? `${path}?${queryText}` : path].join('\n');
}

/** Sends a signed GET to the gateway's data plane. */
export function signedGet(options: SignedGetOptions): Promise<SignedResponse> {
  const accept = 'application/json';
  const caHeaders: Record<string, string> = {
    'x-ca-key': options.appKey,
    'x-ca-nonce': randomUUID(),
    'x-ca-signature-method': 'HmacSHA256',
    'x-ca-stage': options.stage,
    'x-ca-timestamp': String(Date.now()),
  };
  const query = options.query ?? {};
  const text = stringToSignForGet(accept, caHeaders, options.path, query);
  const signature = createHmac('sha256', options.appSecret).update(text, 'utf8').digest('base64');
  const search = new URLSearchParams(query).toString();
  const url = new URL(`${options.path}${search ? `?${search}` : ''}`, options.gateway);
  const headers = {
    host: options.host,
    accept,
    ...caHeaders,
    'x-ca-signature-headers': Object.keys(caHeaders).join(','),
    'x-ca-signature': signature,
  };
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
