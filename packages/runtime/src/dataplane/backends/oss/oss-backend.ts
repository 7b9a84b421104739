/**
 * OSS backends. The API's backend path is the object key (its `{name}`
 * parameters substituted, a prefix route's remainder appended); the action
 * is the API's `ossAction`, or follows from the method (GET GetObject, PUT
 * PutObject, POST PostObject or, with `?append`, AppendObject, HEAD
 * HeadObject or, with `?objectMeta`, GetObjectMeta, DELETE DeleteObject).
 * A bucket named in the runtime's bucket table (oss.json) is relayed to its
 * external endpoint; any other lives in the data directory.
 */
import { parse as parseQuery } from 'node:querystring';
import type { Readable } from 'node:stream';
import { OSS_ACTIONS_BY_METHOD, type OssAction } from '@apigw/schema';
import type { Exchange } from '../../exchange';
import type { BackendModule } from '../backend-module';
import { ConfigFileWatcher } from '../config-file';
import { OSS_ERRORS, sendOssError } from './answer';
import { loadOssFile, OssConfigError, resolveBuckets, type ExternalBucketConfig, type ResolvedExternalBucket } from './config';
import { serveEmbedded } from './embedded';
import { EmbeddedObjectStore } from './embedded-store';
import { credentialsFromEnv, ExternalObjectRelay } from './external';

/** One object action, as the store or relay gets it. */
export interface OssCall {
  readonly action: OssAction;
  readonly bucket: string;
  /** Object key: the backend path without its leading `/`, percent-decoded ('' for none). */
  readonly key: string;
  /** Request headers as forwarded, names lowercased. */
  readonly headers: ReadonlyMap<string, string>;
  /** Query parameters as forwarded. */
  readonly query: ReadonlyMap<string, string>;
  readonly body: Buffer | Readable | AsyncIterable<Buffer> | null;
}

/** What an OSS environment compiles to. */
export interface OssTarget {
  readonly bucket: string;
}

/** Where buckets live. */
export interface ObjectStorageOptions {
  /** Directory embedded buckets are kept under (`<dataDir>/oss`); without it only external buckets are served. */
  readonly root?: string;
  /** External buckets given in code; they win over the file's. */
  readonly oss?: Readonly<Record<string, ExternalBucketConfig>>;
  /** oss.json, read at every update and whenever it changes. */
  readonly ossFile?: string;
  /** Told when a changed oss.json cannot be used (the previous table stays). */
  readonly onReloadError?: (err: Error) => void;
}

/** Longest object key OSS accepts, in bytes. */
const MAX_KEY_BYTES = 1023;

/** The buckets of one data plane: embedded ones and the external table. */
export class ObjectStorage {
  readonly embedded: EmbeddedObjectStore | null;
  readonly relay = new ExternalObjectRelay(() => credentialsFromEnv());
  private external: ReadonlyMap<string, ResolvedExternalBucket> = new Map();
  private watcher: ConfigFileWatcher | null = null;

  constructor(private readonly options: ObjectStorageOptions) {
    this.embedded = options.root === undefined ? null : new EmbeddedObjectStore(options.root);
  }

  /** Reads the bucket table again; a bad table is reported and the previous one stays. */
  refresh(): void {
    try {
      const file = this.options.ossFile;
      const fromFile = file === undefined ? new Map() : resolveBuckets(loadOssFile(file), file);
      const fromCode = this.options.oss === undefined ? new Map() : resolveBuckets(this.options.oss, 'oss option');
      this.external = new Map([...fromFile, ...fromCode]);
      if (file !== undefined && this.watcher === null) this.watcher = new ConfigFileWatcher(file, () => this.refresh());
    } catch (err) {
      this.options.onReloadError?.(err instanceof OssConfigError ? err : new OssConfigError((err as Error).message));
    }
  }

  /** The external endpoint of a bucket, if the table names one. */
  externalBucket(bucket: string): ResolvedExternalBucket | undefined {
    return this.external.get(bucket);
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.embedded?.close();
    await this.relay.close();
  }
}

function actionOf(ex: Exchange, query: ReadonlyMap<string, string>): OssAction | null {
  const method = ex.fwdMethod;
  const fixed = ex.api!.ossAction;
  if (fixed !== null) return (OSS_ACTIONS_BY_METHOD[method] ?? []).includes(fixed) ? fixed : null;
  switch (method) {
    case 'GET':
      return 'GetObject';
    case 'PUT':
      return 'PutObject';
    case 'POST':
      return query.has('append') ? 'AppendObject' : 'PostObject';
    case 'HEAD':
      return query.has('objectMeta') ? 'GetObjectMeta' : 'HeadObject';
    case 'DELETE':
      return 'DeleteObject';
    default:
      return null;
  }
}

/** Builds the call from what the proxy would forward; answers the client's mistakes itself and returns null. */
function callOf(ex: Exchange, bucket: string): OssCall | null {
  const q = ex.fwdPath.indexOf('?');
  const rawPath = q === -1 ? ex.fwdPath : ex.fwdPath.slice(0, q);
  const query = new Map<string, string>();
  if (q !== -1) {
    const parsed = parseQuery(ex.fwdPath.slice(q + 1));
    for (const k of Object.keys(parsed)) {
      const v = parsed[k]!;
      query.set(k, typeof v === 'string' ? v : (v[0] ?? ''));
    }
  }
  let key: string;
  try {
    key = decodeURIComponent(rawPath.replace(/^\/+/, ''));
  } catch {
    sendOssError(ex, OSS_ERRORS.InvalidObjectName, bucket, null, 'The key is not valid percent-encoding.');
    return null;
  }
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    sendOssError(ex, OSS_ERRORS.KeyTooLong, bucket, null);
    return null;
  }
  if (/[\x00-\x1f\x7f\\]/.test(key)) {
    sendOssError(ex, OSS_ERRORS.InvalidObjectName, bucket, key);
    return null;
  }
  const action = actionOf(ex, query);
  if (action === null) {
    sendOssError(ex, OSS_ERRORS.MethodNotAllowed, bucket, key === '' ? null : key, `${ex.fwdMethod} cannot perform ${ex.api!.ossAction ?? 'an object action'}.`);
    return null;
  }
  if (key === '' && action !== 'PostObject') {
    sendOssError(ex, OSS_ERRORS.InvalidObjectName, bucket, null, 'The backend path names no object.');
    return null;
  }
  const headers = new Map<string, string>();
  const fwd = ex.fwdHeaders;
  for (let i = 0; i < fwd.length; i += 2) {
    const name = fwd[i]!.toLowerCase();
    if (!headers.has(name)) headers.set(name, fwd[i + 1]!);
  }
  return { action, bucket, key, headers, query, body: ex.fwdBody };
}

/** The OSS module, serving from `storage`. */
export function ossBackend(storage: ObjectStorage): BackendModule<OssTarget> {
  return {
    type: 'OSS',
    compile(service, env) {
      if (env.oss === undefined) return { error: `backend service ${service.name} names no bucket` };
      return { value: { bucket: env.oss.bucket } };
    },
    invoke(ex: Exchange, target: OssTarget) {
      const call = callOf(ex, target.bucket);
      if (call === null) return;
      const external = storage.externalBucket(target.bucket);
      let served: Promise<void>;
      if (external !== undefined) served = storage.relay.relay(ex, call, external);
      else if (storage.embedded !== null) served = serveEmbedded(ex, storage.embedded, call);
      else return ex.sendError('SERVICE_UNAVAILABLE', `: bucket ${target.bucket} is not in the runtime's oss.json and this data plane keeps no buckets`);
      served.catch((err: unknown) => {
        ex.rt.logError(ex, err);
        if (!ex.res.headersSent) ex.sendError('INTERNAL_ERROR');
        else ex.res.destroy();
      });
    },
  };
}
