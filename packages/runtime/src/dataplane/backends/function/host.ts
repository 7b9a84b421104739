/**
 * Runs the event functions of one data plane: resolves a function named in
 * the document through the runtime's function table, keeps a warm set of
 * instances per function, and reloads a function when its code or the
 * table changes (`fs.watch` on functions.json and on each code directory).
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Agent } from 'undici';
import { ConfigFileWatcher } from '../config-file';
import { FunctionsConfigError, loadFunctionsFile, resolveFunctions, type FunctionConfig, type ResolvedFunction } from './config';
import { FunctionInstances, type FunctionContext, type InvocationOutcome } from './instances';

/** Where the function table comes from. */
export interface FunctionHostOptions {
  /** Entries given in code; they win over the file's. */
  readonly functions?: Readonly<Record<string, FunctionConfig>>;
  /** functions.json, read at every data-plane update and whenever it changes. */
  readonly functionsFile?: string;
  /** Directory relative code directories are resolved against. @default the file's directory, else the working directory */
  readonly baseDir?: string;
  /** Told when a changed functions.json cannot be used (the previous table stays). */
  readonly onReloadError?: (err: Error) => void;
}

/** Largest result an invoke URL may answer with. */
const MAX_REMOTE_RESULT_BYTES = 32 * 1024 * 1024;

/** Function table plus warm instances. One per data plane. */
export class FunctionHost {
  private table: ReadonlyMap<string, ResolvedFunction> = new Map();
  private tableKey = '';
  private readonly running = new Map<string, FunctionInstances>();
  private readonly codeWatchers = new Map<string, FSWatcher>();
  private fileWatcher: ConfigFileWatcher | null = null;
  private agent: Agent | null = null;
  private closed = false;

  constructor(private readonly options: FunctionHostOptions) {}

  /**
   * Reads the table again (functions.json and the option). Throws
   * FunctionsConfigError for a bad table and keeps the previous one.
   */
  reload(): void {
    if (this.closed) return;
    const file = this.options.functionsFile;
    const base = this.options.baseDir ?? (file === undefined ? process.cwd() : dirname(file));
    const fromFile = file === undefined ? new Map<string, ResolvedFunction>() : resolveFunctions(loadFunctionsFile(file), base, basename(file));
    const fromCode = this.options.functions === undefined ? new Map<string, ResolvedFunction>() : resolveFunctions(this.options.functions, base, 'functions option');
    const table = new Map([...fromFile, ...fromCode]);
    const key = JSON.stringify([...table.entries()].map(([k, v]) => [k, v.kind === 'remote' ? { ...v, invokeUrl: v.invokeUrl.href } : v]));
    if (key !== this.tableKey) {
      this.table = table;
      this.tableKey = key;
      // Instances of functions whose entry changed (or went) start over.
      for (const [k, inst] of this.running) {
        const now = table.get(k);
        if (now === undefined || now.kind !== 'local' || JSON.stringify(now) !== JSON.stringify(inst.fn)) this.retire(k);
      }
    }
    if (file !== undefined && this.fileWatcher === null) this.fileWatcher = new ConfigFileWatcher(file, () => this.refresh());
  }

  /** Reads the table again; a bad table is reported through `onReloadError` and the previous one stays. */
  refresh(): void {
    try {
      this.reload();
    } catch (err) {
      this.options.onReloadError?.(err instanceof FunctionsConfigError ? err : new FunctionsConfigError((err as Error).message));
    }
  }

  /** The table entry serving a function, trying `service/function@qualifier`, then `service/function`. */
  resolve(service: string, fn: string, qualifier: string): ResolvedFunction | undefined {
    return this.table.get(`${service}/${fn}@${qualifier}`) ?? this.table.get(`${service}/${fn}`);
  }

  /** Runs a local function (its warm instances, started on first use). */
  invokeLocal(fn: Extract<ResolvedFunction, { kind: 'local' }>, event: Buffer, context: FunctionContext, timeoutMs: number): Promise<InvocationOutcome> {
    let inst = this.running.get(fn.key);
    if (inst === undefined) {
      inst = new FunctionInstances(fn);
      this.running.set(fn.key, inst);
      this.watchCode(fn.key, fn.codeDir);
    }
    return inst.invoke(event, context, timeoutMs);
  }

  /** POSTs the event to a function's invoke URL; the response body is the result. */
  async invokeRemote(fn: Extract<ResolvedFunction, { kind: 'remote' }>, event: Buffer, requestId: string, timeoutMs: number): Promise<InvocationOutcome> {
    this.agent ??= new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 10_000 } });
    try {
      const res = await this.agent.request({
        origin: fn.invokeUrl.origin,
        path: fn.invokeUrl.pathname + fn.invokeUrl.search,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fc-request-id': requestId },
        body: event,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_REMOTE_RESULT_BYTES) {
          res.body.destroy();
          return { ok: false, reason: 'error', message: 'the result is larger than 32 MiB' };
        }
        chunks.push(chunk as Buffer);
      }
      const body = Buffer.concat(chunks, size);
      if (res.statusCode < 200 || res.statusCode > 299) return { ok: false, reason: 'error', message: `invoke URL answered ${res.statusCode}` };
      return { ok: true, result: body };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return { ok: false, reason: 'timeout', message: 'timed out' };
      if (code === 'ECONNREFUSED') return { ok: false, reason: 'busy', message: `invoke URL ${fn.invokeUrl.origin} refused the connection` };
      return { ok: false, reason: 'error', message: `invoke URL failed: ${code || (err as Error).message}` };
    }
  }

  /** Number of live instances of a function (0 when none runs). */
  instanceCount(key: string): number {
    return this.running.get(key)?.size ?? 0;
  }

  /** Stops every instance and watcher. */
  async close(): Promise<void> {
    this.closed = true;
    this.fileWatcher?.close();
    for (const w of this.codeWatchers.values()) w.close();
    this.codeWatchers.clear();
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all([...all.map((i) => i.close()), this.agent?.close()]);
  }

  private retire(key: string): void {
    this.running.get(key)?.retire();
    this.running.delete(key);
    this.codeWatchers.get(key)?.close();
    this.codeWatchers.delete(key);
  }

  private watchCode(key: string, dir: string): void {
    try {
      const w = watch(dir, { persistent: false, recursive: true }, () => {
        // New code: the warm instances finish what they run and go; the next call loads the new code.
        if (this.codeWatchers.get(key) === w) this.retire(key);
      });
      w.on('error', () => undefined);
      this.codeWatchers.set(key, w);
    } catch {
      // A code directory that cannot be watched is loaded once per instance.
    }
  }
}
