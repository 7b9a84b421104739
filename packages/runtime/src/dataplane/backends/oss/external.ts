/**
 * External buckets: object actions relayed to an S3/OSS-compatible endpoint
 * (MinIO, S3, OSS's S3-compatible API), signed with AWS Signature V4 by
 * `@smithy/signature-v4`, the signer the AWS SDK itself uses, with the body
 * streamed unsigned (`UNSIGNED-PAYLOAD`) so an upload is never buffered.
 * `x-oss-meta-*` travel as `x-amz-meta-*` and come back renamed;
 * `x-oss-forbid-overwrite` is also sent as `If-None-Match: *` (S3's
 * conditional write). AppendObject is sent as OSS's `POST ?append&position=`
 * (served by OSS; an S3 endpoint refuses it). PostObject is not relayed (501).
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Dispatcher } from 'undici';
import { Agent } from 'undici';
import type { Exchange } from '../../exchange';
import { HOP_BY_HOP } from '../../http-facts';
import { OSS_ERRORS, sendOssError } from './answer';
import type { ResolvedExternalBucket } from './config';
import type { OssCall } from './oss-backend';

/** Credentials for external buckets, from the runtime's environment. */
export interface OssCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Reads `APIGW_OSS_ACCESS_KEY_ID`, `APIGW_OSS_SECRET_ACCESS_KEY` and `APIGW_OSS_SESSION_TOKEN`; null when unset. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): OssCredentials | null {
  const accessKeyId = env['APIGW_OSS_ACCESS_KEY_ID'];
  const secretAccessKey = env['APIGW_OSS_SECRET_ACCESS_KEY'];
  if (accessKeyId === undefined || secretAccessKey === undefined || accessKeyId === '' || secretAccessKey === '') return null;
  const token = env['APIGW_OSS_SESSION_TOKEN'];
  return token === undefined || token === '' ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken: token };
}

/** Request headers relayed to the endpoint (besides x-oss-meta-*). */
const SENT = new Set(['content-type', 'content-md5', 'content-length', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'cache-control', 'content-disposition', 'content-encoding', 'expires']);
/** Response headers never relayed back: hop-by-hop, and the endpoint's own identifiers. */
const DROPPED = new Set([...HOP_BY_HOP, 'x-amz-request-id', 'x-amz-id-2', 'server', 'x-ca-error-message', 'x-ca-error-code', 'x-ca-request-id']);

/** S3's URI encoding of a key: RFC 3986 unreserved characters and `/` stay. */
function encodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const METHOD: Readonly<Record<OssCall['action'], string>> = {
  GetObject: 'GET',
  HeadObject: 'HEAD',
  GetObjectMeta: 'HEAD',
  PutObject: 'PUT',
  AppendObject: 'POST',
  PostObject: 'POST',
  DeleteObject: 'DELETE',
};

/** Relays object actions to external endpoints; one per data plane. */
export class ExternalObjectRelay {
  private agent: Agent | null = null;
  private readonly signers = new Map<string, SignatureV4>();

  constructor(private readonly credentials: () => OssCredentials | null) {}

  private signer(region: string, creds: OssCredentials): SignatureV4 {
    const id = `${region}\0${creds.accessKeyId}\0${creds.secretAccessKey}\0${creds.sessionToken ?? ''}`;
    let s = this.signers.get(id);
    if (s === undefined) {
      s = new SignatureV4({ credentials: creds, region, service: 's3', sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false });
      this.signers.set(id, s);
    }
    return s;
  }

  async relay(ex: Exchange, call: OssCall, target: ResolvedExternalBucket): Promise<void> {
    if (call.action === 'PostObject') return sendOssError(ex, OSS_ERRORS.NotImplemented, call.bucket, call.key, 'PostObject is served by embedded buckets only.');
    const creds = this.credentials();
    if (creds === null) return ex.sendError('SERVICE_UNAVAILABLE', `: bucket ${call.bucket} is external and the runtime has no APIGW_OSS_ACCESS_KEY_ID/APIGW_OSS_SECRET_ACCESS_KEY`);
    const headers: Record<string, string> = { host: target.endpoint.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    for (const [k, v] of call.headers) {
      if (SENT.has(k)) headers[k] = v;
      else if (k.startsWith('x-oss-meta-')) headers['x-amz-meta-' + k.slice('x-oss-meta-'.length)] = v;
    }
    if (call.headers.get('x-oss-forbid-overwrite')?.toLowerCase() === 'true') {
      headers['x-oss-forbid-overwrite'] = 'true';
      headers['if-none-match'] = '*';
    }
    const method = METHOD[call.action];
    const hasBody = method === 'PUT' || method === 'POST';
    if (hasBody && headers['content-length'] === undefined && !Buffer.isBuffer(call.body)) return sendOssError(ex, OSS_ERRORS.MissingContentLength, call.bucket, call.key);
    if (Buffer.isBuffer(call.body)) headers['content-length'] = String(call.body.length);
    if (hasBody && Number(headers['content-length']) > ex.rt.maxBodyBytes) return ex.sendError('BODY_TOO_LARGE');
    const query: Record<string, string> = {};
    if (call.action === 'AppendObject') {
      query['append'] = '';
      query['position'] = call.query.get('position') ?? '';
    }
    const base = target.endpoint.pathname.replace(/\/+$/, '');
    const path = `${base}/${target.bucket}/${encodeKey(call.key)}`;
    const signed = await this.signer(target.region, creds).sign({
      method,
      protocol: target.endpoint.protocol,
      hostname: target.endpoint.hostname,
      ...(target.endpoint.port === '' ? {} : { port: Number(target.endpoint.port) }),
      path,
      query,
      headers,
    });
    const qs = Object.keys(query).length === 0 ? '' : '?' + Object.entries(query).map(([k, v]) => (v === '' ? k : `${k}=${encodeURIComponent(v)}`)).join('&');
    this.agent ??= new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 10_000 } });
    const timeout = ex.api!.timeoutMs;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.agent.request({
        origin: target.endpoint.origin,
        path: path + qs,
        method: method as Dispatcher.HttpMethod,
        headers: signed.headers,
        body: hasBody ? (call.body as Dispatcher.DispatchOptions['body']) : null,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return ex.sendError('BACKEND_TIMEOUT');
      // The endpoint's address goes to the access log, not to the client.
      const internal = `OSS endpoint ${target.endpoint.origin}: ${(err as Error).message}`;
      if (code === 'ECONNREFUSED') return ex.sendError('SERVICE_UNAVAILABLE', ': the OSS endpoint refused the connection', internal);
      if (ex.res.destroyed) return ex.done(499);
      ex.errorDetail = internal;
      return ex.sendError('BACKEND_FAILED', `: OSS endpoint ${code || 'exchange failed'}`);
    }
    const out: string[] = [];
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined || DROPPED.has(name)) continue;
      const relayed = name.startsWith('x-amz-meta-') ? 'x-oss-meta-' + name.slice('x-amz-meta-'.length) : name;
      for (const v of Array.isArray(value) ? value : [value]) out.push(relayed, v);
    }
    out.push('x-oss-request-id', ex.rid, 'x-ca-request-id', ex.rid);
    ex.res.writeHead(res.statusCode, out);
    ex.done(res.statusCode);
    ex.res.on('close', () => res.body.destroy());
    res.body.on('error', () => ex.res.destroy());
    res.body.pipe(ex.res);
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }
}
