/**
 * The errors the runtime's control plane raises. Every class carries a
 * stable `code` (what clients and tests match on) and, where a request
 * caused it, the HTTP `status` the admin API answers with. `RUNTIME_ERRORS`
 * holds one record per code (status and meaning); a test keeps the table and the
 * classes in step.
 */
import { ApigwError, type Problem } from '@apigw/schema';
import type { OperationError } from './model';

/** One code of the runtime: the HTTP status the admin API answers with (0: never an answer) and what it means. */
export interface RuntimeErrorInfo {
  readonly status: number;
  readonly doc: string;
}

/**
 * Every code the runtime answers or throws with, one record per code. A
 * status of 0 marks a code no admin request causes (a start-up or
 * client-side failure).
 */
export const RUNTIME_ERRORS = {
  APIGW_STORE_CORRUPT: { status: 500, doc: 'The data directory holds a file that is not an apigw store, or a damaged one. It is never reset silently.' },
  APIGW_STORE_VERSION: { status: 500, doc: 'The store was written by a newer apigw (its schema version is unknown to this one).' },
  APIGW_STORE_CLOSED: { status: 503, doc: 'The store was used after it was closed.' },
  APIGW_STORE_UNAVAILABLE: { status: 503, doc: 'The shared store (PostgreSQL) cannot be reached now; the request changed nothing. Retry when /readyz answers 200.' },
  APIGW_STORE_URL: { status: 0, doc: 'The configured store is not a postgres:// URL (leave it unset for SQLite in the data directory).' },
  APIGW_BAD_REQUEST: { status: 400, doc: 'The request body is malformed JSON, or its shape is wrong (problems name each place with a JSON pointer).' },
  APIGW_SPEC_INVALID: { status: 400, doc: 'A resource spec breaks the schema or a rule of the runtime (problems name each place with a JSON pointer).' },
  APIGW_UNAUTHORIZED: { status: 401, doc: 'The Authorization header is missing or does not carry the admin token.' },
  APIGW_ROUTE_NOT_FOUND: { status: 404, doc: 'No admin endpoint has this path.' },
  APIGW_METHOD_NOT_ALLOWED: { status: 405, doc: 'The admin endpoint exists but does not answer this method.' },
  APIGW_BODY_TOO_LARGE: { status: 413, doc: 'The request body is larger than the admin API (or, streaming to a backend, the data plane) accepts.' },
  APIGW_NOT_FOUND: { status: 404, doc: 'The resource (or app, or API) does not exist.' },
  APIGW_ALREADY_EXISTS: { status: 409, doc: 'A create names a resource that already exists.' },
  APIGW_REVISION_CONFLICT: { status: 409, doc: 'The state moved past the revision the batch expected.' },
  APIGW_NOT_OWNED: { status: 409, doc: 'The resource is owned by another stack (or by none); only adopt may claim it.' },
  APIGW_IN_USE: { status: 409, doc: 'The resource is still used by others (named in the message) and cannot be deleted.' },
  APIGW_TYPE_IMMUTABLE: { status: 409, doc: "A backend service's type cannot change; replace the service instead." },
  APIGW_STAGE_WITHOUT_BACKEND: { status: 409, doc: "The API's backend service has no definition for the stage it is published to." },
  APIGW_NOT_PUBLISHED: { status: 404, doc: 'The API is not published to the stage being unpublished.' },
  APIGW_INTERNAL: { status: 500, doc: 'The runtime failed unexpectedly; the request changed nothing.' },
  APIGW_BAD_RESPONSE: { status: 502, doc: 'The admin endpoint answered with something that is not an apigw response (a client-side error).' },
  APIGW_UNREACHABLE: { status: 0, doc: 'The admin endpoint could not be reached (a client-side error; status 0).' },
  APIGW_CALL_FAILED: { status: 0, doc: 'A debugging call could not be built (a path parameter or domain is missing) or got no answer from the data plane (a client-side error; status 0).' },
  APIGW_INVENTORY_INVALID: { status: 0, doc: 'The inventory file (VPC instance id -> address) cannot be read or is not a JSON object of strings; /readyz answers 503 with the reason.' },
  APIGW_FUNCTIONS_INVALID: { status: 0, doc: "The function table (functions.json or the functions option) cannot be read or has a wrong entry (the message names the key and field); the previous table stays in use." },
  APIGW_OSS_INVALID: { status: 0, doc: 'The bucket table (oss.json or the oss option) cannot be read or has a wrong entry (the message names the bucket and field); the previous table stays in use.' },
  APIGW_WORKERS_START: { status: 0, doc: 'The data-plane worker processes could not start (the message names the worker and its error).' },
  APIGW_ROUTE_CONFLICT: { status: 0, doc: 'Two APIs of one group and stage answer the same method and path template (the data plane serves neither and reports a snapshot warning).' },
  APIGW_SHARED_FILE: { status: 0, doc: 'A file the gateway processes share (the anti-replay nonces, the call counters, an embedded bucket index) could not be opened or prepared; the message names the file and the cause.' },
  APIGW_DATA_DIR_LOCKED: { status: 0, doc: 'Another running gateway holds the data directory (the message names its pid); a lock left by a process that died does not count.' },
  APIGW_ADMIN_INSECURE: { status: 0, doc: 'The admin API was asked to listen on a non-loopback address over plain HTTP; give it a certificate, or allow it explicitly.' },
  APIGW_USAGE: { status: 0, doc: 'A command line of `apigw serve` is wrong (unknown flag, bad port or count); nothing was started.' },
} as const satisfies Record<string, RuntimeErrorInfo>;

/** A stable error code of the runtime. */
export type RuntimeErrorCode = keyof typeof RUNTIME_ERRORS;

/** Base of the runtime's errors: a stable code and the HTTP status it maps to. */
export class RuntimeError extends ApigwError {
  declare readonly code: RuntimeErrorCode;
  /** HTTP status the admin API answers with. */
  readonly status: number;
  /** Where a body or spec is wrong, each with a JSON pointer. */
  readonly problems?: readonly Problem[];
  /** The state's current revision, when the error is about it (APIGW_REVISION_CONFLICT). */
  readonly revision?: number;

  constructor(code: RuntimeErrorCode, message: string, options?: { problems?: readonly Problem[]; revision?: number; cause?: unknown }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = RUNTIME_ERRORS[code].status;
    if (options?.problems && options.problems.length > 0) this.problems = options.problems;
    if (options?.revision !== undefined) this.revision = options.revision;
  }
}

/** A file the gateway processes share could not be opened or prepared (the file and SQLite's reason are named). */
export class SharedFileError extends RuntimeError {
  readonly file: string;
  constructor(file: string, cause: unknown) {
    super('APIGW_SHARED_FILE', `${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.file = file;
  }
}

/** The data directory's database is not an apigw store, or is damaged. */
export class StoreCorruptError extends RuntimeError {
  /** The file that could not be opened. */
  readonly file: string;
  constructor(file: string, reason: string, cause?: unknown) {
    super('APIGW_STORE_CORRUPT', `${file} is not a usable apigw store: ${reason}. Move it away or restore a backup; apigw never resets it.`, { cause });
    this.file = file;
  }
}

/** The store's schema version is newer than this runtime knows. */
export class StoreVersionError extends RuntimeError {
  readonly file: string;
  /** Schema version found in the file. */
  readonly found: number;
  /** Newest schema version this runtime knows. */
  readonly supported: number;
  constructor(file: string, found: number, supported: number) {
    super('APIGW_STORE_VERSION', `${file} has store schema version ${found}; this apigw knows versions up to ${supported}. Upgrade apigw to open it.`);
    this.file = file;
    this.found = found;
    this.supported = supported;
  }
}

/** A call to an API through the data plane could not be built or got no answer (see `call/`). */
export class CallError extends RuntimeError {
  constructor(message: string, cause?: unknown) {
    super('APIGW_CALL_FAILED', message, cause === undefined ? undefined : { cause });
  }
}

/** A batch was refused: `errors` lists every failing operation (all of them on a dry run). */
export class BatchRejectedError extends RuntimeError {
  readonly errors: readonly OperationError[];
  constructor(errors: readonly OperationError[], total: number) {
    const first = errors[0]!;
    const problems = errors.flatMap((e) => e.problems ?? []);
    super(
      first.code as RuntimeErrorCode,
      `batch refused: ${errors.length} of ${total} operation${total === 1 ? '' : 's'} failed; operation ${first.index}: ${first.message}`,
      { problems },
    );
    this.errors = errors;
  }
}

/** Two routes of one router answer the same method and path template. */
export class RouteConflictError extends RuntimeError {
  constructor(
    readonly method: string,
    readonly template: string,
  ) {
    super('APIGW_ROUTE_CONFLICT', `two routes answer ${method} ${template}`);
  }
}

/** The inventory file cannot be used; the message names the file and what is wrong. */
export class InventoryError extends RuntimeError {
  constructor(
    readonly file: string,
    message: string,
    cause?: unknown,
  ) {
    super('APIGW_INVENTORY_INVALID', message, cause === undefined ? undefined : { cause });
  }
}

/**
 * A request body outgrew the data plane's limit while it streamed to the
 * backend (thrown into the body stream; the client is answered 413).
 */
export class BodyTooLargeError extends RuntimeError {
  constructor(limit: number) {
    super('APIGW_BODY_TOO_LARGE', `request body larger than ${limit} bytes`);
  }
}

/**
 * What a client sees when the admin API refuses a call: the HTTP status,
 * the stable code and, when the server gave them, the problems of a body
 * and the per-operation errors of a batch. Both the HTTP and the
 * in-process client reject with this class.
 */
export class AdminApiError extends ApigwError {
  readonly status: number;
  readonly problems?: readonly Problem[];
  readonly errors?: readonly OperationError[];
  /** The state's current revision, when the server named it (APIGW_REVISION_CONFLICT). */
  readonly revision?: number;
  constructor(
    status: number,
    code: string,
    message: string,
    details?: { problems?: readonly Problem[]; errors?: readonly OperationError[]; revision?: number; cause?: unknown },
  ) {
    super(code, message, details?.cause === undefined ? undefined : { cause: details.cause });
    this.status = status;
    if (details?.problems) this.problems = details.problems;
    if (details?.errors) this.errors = details.errors;
    if (details?.revision !== undefined) this.revision = details.revision;
  }
}

/** The JSON body of every error the admin API answers with. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly problems?: readonly Problem[];
    readonly errors?: readonly OperationError[];
    /** The state's current revision (APIGW_REVISION_CONFLICT). */
    readonly revision?: number;
  };
}

/** The error body for any thrown value; anything not a RuntimeError is an internal error. */
export function errorBody(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof RuntimeError) {
    const body: ErrorBody = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.problems ? { problems: error.problems } : {}),
        ...(error instanceof BatchRejectedError ? { errors: error.errors } : {}),
        ...(error.revision !== undefined ? { revision: error.revision } : {}),
      },
    };
    return { status: error.status, body };
  }
  return { status: 500, body: { error: { code: 'APIGW_INTERNAL', message: 'internal error; the request changed nothing' } } };
}

/** The error a client rejects with for an error body and status. */
export function adminApiErrorFrom(status: number, body: unknown): AdminApiError {
  const e = (body as Partial<ErrorBody> | undefined)?.error;
  if (e && typeof e.code === 'string' && typeof e.message === 'string')
    return new AdminApiError(status, e.code, e.message, {
      ...(Array.isArray(e.problems) ? { problems: e.problems } : {}),
      ...(Array.isArray(e.errors) ? { errors: e.errors } : {}),
      ...(Number.isSafeInteger(e.revision) ? { revision: e.revision } : {}),
    });
  return new AdminApiError(status, status >= 500 ? 'APIGW_INTERNAL' : 'APIGW_BAD_RESPONSE', `admin API answered ${status} without an apigw error body`);
}
