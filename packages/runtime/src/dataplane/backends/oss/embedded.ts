/**
 * Serves OSS object actions from the embedded store with the semantics a
 * client of OSS relies on: ETag, Content-Type and x-oss-meta-* round-trip,
 * Content-MD5 checked on upload, Range (206/416), conditional GET (304/412),
 * x-oss-forbid-overwrite, append positions, PostObject form uploads, and
 * OSS's XML error bodies.
 */
import busboy from 'busboy';
import { Readable } from 'node:stream';
import { BodyTooLargeError } from '../../../errors';
import type { Exchange } from '../../exchange';
import { OSS_ERRORS, sendOssError } from './answer';
import type { BodySource, EmbeddedObjectStore, ObjectInfo, WriteOptions, WriteRefusal } from './embedded-store';
import type { OssCall } from './oss-backend';

/** Parses `If-Match`/`If-None-Match`: `*` or a list of entity tags. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '').toUpperCase() === bare.toUpperCase());
}

/** RFC 9110 §13.2.2 order: the answer a precondition forces, or null to go on. */
function preconditions(h: ReadonlyMap<string, string>, info: ObjectInfo): 304 | 412 | null {
  const ifMatch = h.get('if-match');
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, info.etag)) return 412;
  } else {
    const since = h.get('if-unmodified-since');
    const t = since === undefined ? NaN : Date.parse(since);
    if (!Number.isNaN(t) && info.lastModified > t) return 412;
  }
  const ifNone = h.get('if-none-match');
  if (ifNone !== undefined) {
    if (etagMatches(ifNone, info.etag)) return 304;
  } else {
    const since = h.get('if-modified-since');
    const t = since === undefined ? NaN : Date.parse(since);
    if (!Number.isNaN(t) && info.lastModified <= t) return 304;
  }
  return null;
}

/** A single byte range of `bytes=a-b`, `bytes=a-` or `bytes=-n`; null when absent or not understood (the whole object is sent). */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'UNSATISFIABLE' | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'UNSATISFIABLE';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'UNSATISFIABLE';
  return { start, end };
}

function objectHeaders(ex: Exchange, info: ObjectInfo): Record<string, string | number> {
  const out: Record<string, string | number> = {
    'content-type': info.contentType,
    etag: info.etag,
    'last-modified': new Date(info.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
    'x-oss-object-type': info.appendable ? 'Appendable' : 'Normal',
    'x-oss-request-id': ex.rid,
    'x-ca-request-id': ex.rid,
  };
  if (info.appendable) out['x-oss-next-append-position'] = info.size;
  for (const [k, v] of Object.entries(info.meta)) out[k] = v;
  return out;
}

function writeOptions(h: ReadonlyMap<string, string>, limit: number): WriteOptions {
  const meta: Record<string, string> = {};
  for (const [k, v] of h) if (k.startsWith('x-oss-meta-')) meta[k] = v;
  const md5 = h.get('content-md5');
  return {
    contentType: h.get('content-type') ?? 'application/octet-stream',
    meta,
    ...(md5 === undefined ? {} : { contentMd5: md5 }),
    forbidOverwrite: h.get('x-oss-forbid-overwrite')?.toLowerCase() === 'true',
    limit,
  };
}

function refusal(ex: Exchange, call: OssCall, r: WriteRefusal, size?: number): void {
  const e = OSS_ERRORS[r];
  const withPosition = r === 'PositionNotEqualToLength' || r === 'ObjectNotAppendable';
  sendOssError(ex, withPosition ? { ...e, headers: { 'x-oss-next-append-position': String(size ?? 0) } } : e, call.bucket, call.key);
}

/** An upload that failed before it was stored: too large (413, a gateway limit) or cut off by the client. */
function uploadFailed(ex: Exchange, err: unknown): void {
  if (err instanceof BodyTooLargeError) return ex.sendError('BODY_TOO_LARGE');
  if (ex.res.destroyed) return ex.done(499);
  ex.sendError('INVALID_BODY');
}

function sendEmpty(ex: Exchange, status: number, headers: Record<string, string | number>): void {
  ex.res.writeHead(status, { ...headers, 'content-length': 0, 'x-oss-request-id': ex.rid, 'x-ca-request-id': ex.rid });
  ex.done(status);
  ex.res.end();
}

/** Serves one call from the embedded store. Never rejects for a client's mistake. */
export async function serveEmbedded(ex: Exchange, store: EmbeddedObjectStore, call: OssCall): Promise<void> {
  const { bucket, key, headers: h } = call;
  switch (call.action) {
    case 'HeadObject':
    case 'GetObjectMeta': {
      const info = store.head(bucket, key);
      if (info === undefined) return sendOssError(ex, OSS_ERRORS.NoSuchKey, bucket, key);
      if (call.action === 'GetObjectMeta') {
        return sendEmpty(ex, 200, { etag: info.etag, 'last-modified': new Date(info.lastModified).toUTCString(), 'x-oss-object-size': info.size });
      }
      const pre = preconditions(h, info);
      if (pre === 412) return sendOssError(ex, OSS_ERRORS.PreconditionFailed, bucket, key);
      const out = objectHeaders(ex, info);
      out['content-length'] = info.size;
      ex.res.writeHead(pre ?? 200, out);
      ex.done(pre ?? 200);
      ex.res.end();
      return;
    }
    case 'GetObject': {
      const opened = await store.open(bucket, key);
      if (opened === undefined) return sendOssError(ex, OSS_ERRORS.NoSuchKey, bucket, key);
      const { info, handle } = opened;
      let handed = false;
      try {
        const pre = preconditions(h, info);
        if (pre === 412) return sendOssError(ex, OSS_ERRORS.PreconditionFailed, bucket, key);
        const out = objectHeaders(ex, info);
        if (pre === 304) {
          ex.res.writeHead(304, out);
          ex.done(304);
          ex.res.end();
          return;
        }
        const range = parseRange(h.get('range'), info.size);
        if (range === 'UNSATISFIABLE') return sendOssError(ex, { ...OSS_ERRORS.InvalidRange, headers: { 'content-range': `bytes */${info.size}` } }, bucket, key);
        let status = 200;
        let start = 0;
        let end = info.size - 1;
        if (range !== null) {
          status = 206;
          ({ start, end } = range);
          out['content-range'] = `bytes ${start}-${end}/${info.size}`;
        }
        out['content-length'] = info.size === 0 ? 0 : end - start + 1;
        ex.res.writeHead(status, out);
        ex.done(status);
        if (info.size === 0) {
          ex.res.end();
          return;
        }
        // Reads only up to the size the index recorded: bytes an append is still writing stay unseen.
        const stream = handle.createReadStream({ start, end, highWaterMark: 64 * 1024 });
        handed = true;
        ex.res.on('close', () => stream.destroy());
        stream.on('error', () => ex.res.destroy());
        stream.pipe(ex.res);
      } finally {
        if (!handed) await handle.close();
      }
      return;
    }
    case 'PutObject': {
      let r: ObjectInfo | WriteRefusal;
      try {
        r = await store.put(bucket, key, call.body, writeOptions(h, ex.rt.maxBodyBytes));
      } catch (err) {
        return uploadFailed(ex, err);
      }
      if (typeof r === 'string') return refusal(ex, call, r);
      return sendEmpty(ex, 200, { etag: r.etag });
    }
    case 'AppendObject': {
      const raw = call.query.get('position');
      if (raw === undefined || !/^\d{1,15}$/.test(raw)) return sendOssError(ex, OSS_ERRORS.InvalidArgument, bucket, key, 'position must be a non-negative integer.');
      let r: ObjectInfo | { refused: WriteRefusal; size: number };
      try {
        r = await store.append(bucket, key, Number(raw), call.body, writeOptions(h, ex.rt.maxBodyBytes));
      } catch (err) {
        return uploadFailed(ex, err);
      }
      if ('refused' in r) return refusal(ex, call, r.refused, r.size);
      return sendEmpty(ex, 200, { etag: r.etag, 'x-oss-next-append-position': r.size });
    }
    case 'DeleteObject':
      await store.delete(bucket, key);
      return sendEmpty(ex, 204, {});
    case 'PostObject':
      return postObject(ex, store, call);
  }
}

/**
 * PostObject: a multipart/form-data upload (the browser form of OSS). Fields
 * before the `file` part give `key` (when the API's path names none),
 * `Content-Type`, `x-oss-meta-*`, `x-oss-forbid-overwrite` and
 * `success_action_status` (200, 201 or 204, the default); the file part is
 * streamed into the store.
 */
function postObject(ex: Exchange, store: EmbeddedObjectStore, call: OssCall): Promise<void> {
  return new Promise((resolve) => {
    const contentType = call.headers.get('content-type') ?? '';
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 100, fieldSize: 8192 } });
    } catch {
      sendOssError(ex, OSS_ERRORS.MalformedPOSTRequest, call.bucket, call.key === '' ? null : call.key);
      return resolve();
    }
    const fields = new Map<string, string>();
    let handled = false;
    const finish = (fn: () => void | Promise<void>): void => {
      if (handled) return;
      handled = true;
      Promise.resolve()
        .then(fn)
        .then(resolve, (err: unknown) => {
          uploadFailed(ex, err);
          resolve();
        });
    };
    parser.on('field', (name, value) => fields.set(name.toLowerCase(), value));
    parser.on('file', (_name, file, info) => {
      const key = call.key !== '' ? call.key : (fields.get('key') ?? '').replace('${filename}', info.filename ?? '');
      if (key === '') {
        file.resume();
        return finish(() => sendOssError(ex, OSS_ERRORS.InvalidArgument, call.bucket, null, 'the form names no key.'));
      }
      const formHeaders = new Map<string, string>();
      for (const [k, v] of fields) if (k === 'content-type' || k === 'content-md5' || k === 'x-oss-forbid-overwrite' || k.startsWith('x-oss-meta-')) formHeaders.set(k, v);
      if (!formHeaders.has('content-type') && info.mimeType !== undefined) formHeaders.set('content-type', info.mimeType);
      const status = Number(fields.get('success_action_status'));
      finish(async () => {
        const r = await store.put(call.bucket, key, file as unknown as Readable, writeOptions(formHeaders, ex.rt.maxBodyBytes));
        if (typeof r === 'string') return refusal(ex, { ...call, key }, r);
        sendEmpty(ex, status === 200 || status === 201 ? status : 204, { etag: r.etag });
      });
    });
    parser.on('error', () => finish(() => sendOssError(ex, OSS_ERRORS.MalformedPOSTRequest, call.bucket, call.key === '' ? null : call.key)));
    parser.on('close', () => finish(() => sendOssError(ex, OSS_ERRORS.MalformedPOSTRequest, call.bucket, call.key === '' ? null : call.key, 'The form has no file.')));
    feed(call.body, parser, (err) => finish(() => uploadFailed(ex, err)), ex.rt.maxBodyBytes);
  });
}

/** Feeds a body into a writable parser with backpressure. */
function feed(body: BodySource, into: NodeJS.WritableStream, onError: (err: unknown) => void, limit: number): void {
  if (body === null) {
    into.end();
    return;
  }
  if (Buffer.isBuffer(body)) {
    into.end(body);
    return;
  }
  const source = body instanceof Readable ? body : Readable.from(body);
  let size = 0;
  source.on('data', (c: Buffer) => {
    size += c.length;
    if (size > limit) {
      source.destroy();
      onError(new BodyTooLargeError(limit));
    }
  });
  source.on('error', onError);
  source.pipe(into as NodeJS.WritableStream);
}
