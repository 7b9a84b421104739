/**
 * The runtime's function table: which local code (or which invoke URL)
 * serves a Function Compute function named in the document. The document
 * keeps the cloud identity (`service`, `function`, `qualifier`); this table,
 * `<data-dir>/functions.json` and the `functions` option, resolves it here,
 * as the inventory resolves VPC instance ids.
 *
 *     {
 *       "shop/render":        { "codeDir": "fn/render", "handler": "index.handler", "timeoutSeconds": 5, "memoryMB": 256 },
 *       "shop/render@prod":   { "codeDir": "/srv/render-v2" },
 *       "shop/legacy":        { "invokeUrl": "http://127.0.0.1:9100/invoke" }
 *     }
 *
 * Keys are `service/function` with an optional `@qualifier`; a function
 * looked up with a qualifier falls back to the key without one.
 */
import { isAbsolute, resolve } from 'node:path';
import { RuntimeError } from '../../../errors';
import { readJsonFile } from '../config-file';

/** A function whose Node.js handler runs in the gateway's own worker threads. */
export interface LocalFunctionConfig {
  /** Directory of the function's code; relative paths are relative to the data dir. */
  readonly codeDir: string;
  /** `file.export`: the module (relative to codeDir) and the exported handler. @default 'index.handler' */
  readonly handler?: string;
  /** Longest an invocation may run; the API's timeout applies when it is shorter. @default 60 */
  readonly timeoutSeconds?: number;
  /** Heap limit of each instance, in MiB; an instance that outgrows it is ended. @default 256 */
  readonly memoryMB?: number;
  /** Most instances (worker threads) kept for the function; more concurrent calls wait. @default 4 */
  readonly instances?: number;
  /** How long an instance stays warm without work before it is stopped. @default 300 */
  readonly idleSeconds?: number;
}

/** A function served elsewhere: the gateway POSTs the event to the URL and reads the result from the response body. */
export interface RemoteFunctionConfig {
  readonly invokeUrl: string;
  /** Longest an invocation may run; the API's timeout applies when it is shorter. @default 60 */
  readonly timeoutSeconds?: number;
}

/** One entry of functions.json. */
export type FunctionConfig = LocalFunctionConfig | RemoteFunctionConfig;

/** An entry with its defaults filled and its paths resolved. */
export type ResolvedFunction =
  | {
      readonly kind: 'local';
      readonly key: string;
      readonly codeDir: string;
      readonly file: string;
      readonly exportName: string;
      readonly timeoutMs: number;
      readonly memoryMB: number;
      readonly instances: number;
      readonly idleMs: number;
    }
  | { readonly kind: 'remote'; readonly key: string; readonly invokeUrl: URL; readonly timeoutMs: number };

/** functions.json (or the `functions` option) cannot be used; the message names the entry and field. */
export class FunctionsConfigError extends RuntimeError {
  constructor(message: string) {
    super('APIGW_FUNCTIONS_INVALID', message);
  }
}

const KEY = /^[^/@\s]{1,128}\/[^/@\s]{1,128}(@[^/@\s]{1,128})?$/;
const HANDLER = /^([A-Za-z0-9_.\-/]+)\.([A-Za-z_$][A-Za-z0-9_$]*)$/;

function positive(where: string, field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) throw new FunctionsConfigError(`${where}/${field} must be a number in (0, ${max}]`);
  return value;
}

/**
 * Checks a function table and resolves it: relative code directories
 * against `baseDir`, defaults filled. Throws FunctionsConfigError naming
 * the first wrong entry (`<source>/<key>/<field>`).
 */
export function resolveFunctions(table: unknown, baseDir: string, source: string): ReadonlyMap<string, ResolvedFunction> {
  if (table === null || typeof table !== 'object' || Array.isArray(table)) throw new FunctionsConfigError(`${source} must be an object of "service/function[@qualifier]" -> function`);
  const out = new Map<string, ResolvedFunction>();
  for (const [key, entry] of Object.entries(table as Record<string, unknown>)) {
    const where = `${source}: /${key}`;
    if (!KEY.test(key)) throw new FunctionsConfigError(`${where}: keys are "service/function" with an optional "@qualifier"`);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new FunctionsConfigError(`${where} must be an object with codeDir or invokeUrl`);
    const e = entry as Record<string, unknown>;
    const timeoutMs = Math.round(positive(where, 'timeoutSeconds', e['timeoutSeconds'], 60, 3600) * 1000);
    if ('invokeUrl' in e) {
      for (const k of Object.keys(e)) if (k !== 'invokeUrl' && k !== 'timeoutSeconds') throw new FunctionsConfigError(`${where}/${k} does not apply to an invokeUrl function`);
      let url: URL;
      try {
        url = new URL(String(e['invokeUrl']));
      } catch {
        throw new FunctionsConfigError(`${where}/invokeUrl is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FunctionsConfigError(`${where}/invokeUrl must be http or https`);
      out.set(key, { kind: 'remote', key, invokeUrl: url, timeoutMs });
      continue;
    }
    for (const k of Object.keys(e))
      if (!['codeDir', 'handler', 'timeoutSeconds', 'memoryMB', 'instances', 'idleSeconds'].includes(k)) throw new FunctionsConfigError(`${where}/${k} is not a function setting`);
    if (typeof e['codeDir'] !== 'string' || e['codeDir'] === '') throw new FunctionsConfigError(`${where}/codeDir must be a directory (or give invokeUrl)`);
    const handler = e['handler'] ?? 'index.handler';
    const m = typeof handler === 'string' ? HANDLER.exec(handler) : null;
    if (m === null || m[1]!.split('/').includes('..')) throw new FunctionsConfigError(`${where}/handler must be "file.export" (like index.handler)`);
    const codeDir = isAbsolute(e['codeDir']) ? e['codeDir'] : resolve(baseDir, e['codeDir']);
    const instances = positive(where, 'instances', e['instances'], 4, 64);
    if (!Number.isInteger(instances)) throw new FunctionsConfigError(`${where}/instances must be an integer`);
    out.set(key, {
      kind: 'local',
      key,
      codeDir,
      file: resolve(codeDir, m[1]!),
      exportName: m[2]!,
      timeoutMs,
      memoryMB: Math.round(positive(where, 'memoryMB', e['memoryMB'], 256, 16384)),
      instances,
      idleMs: Math.round(positive(where, 'idleSeconds', e['idleSeconds'], 300, 86400) * 1000),
    });
  }
  return out;
}

/** Reads a functions.json file; a missing file is an empty table. */
export function loadFunctionsFile(file: string): unknown {
  return readJsonFile(file, (message) => new FunctionsConfigError(message));
}
