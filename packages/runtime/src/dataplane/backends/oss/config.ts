/**
 * The runtime's bucket table: which buckets named in the document live on an
 * external S3/OSS-compatible endpoint rather than in the data directory.
 * `<data-dir>/oss.json` and the `oss` option:
 *
 *     { "shop-files": { "endpoint": "https://oss-cn-hangzhou.aliyuncs.com", "region": "oss-cn-hangzhou",
 *                       "bucket": "shop-files-prod" } }
 *
 * Credentials never come from here or from the document: the runtime reads
 * `APIGW_OSS_ACCESS_KEY_ID` and `APIGW_OSS_SECRET_ACCESS_KEY` (and an
 * optional `APIGW_OSS_SESSION_TOKEN`) from its environment.
 */
import { RuntimeError } from '../../../errors';
import { readJsonFile } from '../config-file';

/** One external bucket. */
export interface ExternalBucketConfig {
  /** Endpoint URL (`http://127.0.0.1:9000`, `https://s3.eu-west-1.amazonaws.com`); requests use path style. */
  readonly endpoint: string;
  /** Signing region. @default 'us-east-1' */
  readonly region?: string;
  /** Name of the bucket on the endpoint. @default the document's bucket name */
  readonly bucket?: string;
}

/** An external bucket with defaults filled. */
export interface ResolvedExternalBucket {
  readonly endpoint: URL;
  readonly region: string;
  readonly bucket: string;
}

/** oss.json (or the `oss` option) cannot be used; the message names the bucket and field. */
export class OssConfigError extends RuntimeError {
  constructor(message: string) {
    super('APIGW_OSS_INVALID', message);
  }
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Checks a bucket table and fills its defaults; throws OssConfigError naming the first wrong entry. */
export function resolveBuckets(table: unknown, source: string): ReadonlyMap<string, ResolvedExternalBucket> {
  if (table === null || typeof table !== 'object' || Array.isArray(table)) throw new OssConfigError(`${source} must be an object of bucket -> { endpoint, region, bucket }`);
  const out = new Map<string, ResolvedExternalBucket>();
  for (const [name, entry] of Object.entries(table as Record<string, unknown>)) {
    const where = `${source}: /${name}`;
    if (!BUCKET.test(name)) throw new OssConfigError(`${where}: not a bucket name`);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new OssConfigError(`${where} must be an object with endpoint`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) if (k !== 'endpoint' && k !== 'region' && k !== 'bucket') throw new OssConfigError(`${where}/${k} is not a bucket setting`);
    let endpoint: URL;
    try {
      endpoint = new URL(String(e['endpoint']));
    } catch {
      throw new OssConfigError(`${where}/endpoint is not a URL`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new OssConfigError(`${where}/endpoint must be http or https`);
    if (e['region'] !== undefined && (typeof e['region'] !== 'string' || !/^[a-z0-9-]{1,64}$/.test(e['region']))) throw new OssConfigError(`${where}/region must be a region name`);
    if (e['bucket'] !== undefined && (typeof e['bucket'] !== 'string' || !BUCKET.test(e['bucket']))) throw new OssConfigError(`${where}/bucket must be a bucket name`);
    out.set(name, { endpoint, region: (e['region'] as string | undefined) ?? 'us-east-1', bucket: (e['bucket'] as string | undefined) ?? name });
  }
  return out;
}

/** Reads oss.json; a missing file is an empty table. */
export function loadOssFile(file: string): unknown {
  return readJsonFile(file, (message) => new OssConfigError(message));
}
