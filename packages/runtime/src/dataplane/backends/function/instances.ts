/**
 * Warm instances of one event function: worker threads that each load the
 * function's code once and run one invocation at a time, as a Function
 * Compute instance does. A worker has a heap limit (`resourceLimits`, the
 * function's memoryMB) and every invocation a deadline: a worker that runs
 * past it is terminated (which stops even a busy loop), as is one that
 * throws outside an invocation, outgrows its heap or exits. The gateway's
 * own thread never runs function code, so none of this reaches it; the
 * next invocation gets a fresh worker.
 */
import { Worker } from 'node:worker_threads';
import type { ResolvedFunction } from './config';

type LocalFunction = Extract<ResolvedFunction, { kind: 'local' }>;

/** How an invocation ended. */
export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly reason: 'error' | 'crash' | 'timeout' | 'busy'; readonly message: string };

/** What the handler gets as its second argument. */
export interface FunctionContext {
  readonly requestId: string;
  readonly credentials: Record<string, never>;
  readonly function: { readonly name: string; readonly handler: string; readonly memory: number; readonly timeout: number };
  readonly service: { readonly name: string; readonly qualifier: string };
  readonly region: string;
}

/** Most invocations waiting for an instance; more are refused at once (503). */
const MAX_QUEUED = 1000;

/**
 * The code each worker runs. It loads the handler module once and answers
 * `{ id, ok, result }` or `{ id, ok: false, message }` per invocation; the
 * first of callback, returned promise or throw wins.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
let handler = null;
let loadError = null;
try {
  const mod = require(workerData.file);
  handler = mod[workerData.exportName];
  if (typeof handler !== 'function') loadError = 'module ' + workerData.file + ' exports no function ' + workerData.exportName;
} catch (err) {
  loadError = 'cannot load ' + workerData.file + ': ' + (err && err.message);
}
function describe(err) {
  if (err instanceof Error) return (err.name || 'Error') + ': ' + err.message;
  try { return typeof err === 'string' ? err : JSON.stringify(err); } catch { return String(err); }
}
parentPort.on('message', (msg) => {
  let answered = false;
  const answer = (ok, value) => {
    if (answered) return;
    answered = true;
    if (!ok) { parentPort.postMessage({ id: msg.id, ok: false, message: describe(value) }); return; }
    try { parentPort.postMessage({ id: msg.id, ok: true, result: value }); }
    catch (err) { parentPort.postMessage({ id: msg.id, ok: false, result: true, message: 'the result cannot be copied out of the function: ' + describe(err) }); }
  };
  if (loadError !== null) return answer(false, new Error(loadError));
  const event = Buffer.from(msg.event.buffer, msg.event.byteOffset, msg.event.byteLength);
  try {
    const r = handler(event, msg.context, (err, result) => (err ? answer(false, err) : answer(true, result)));
    if (r && typeof r.then === 'function') r.then((v) => answer(true, v), (err) => answer(false, err));
  } catch (err) {
    answer(false, err);
  }
});
`;

interface Pending {
  readonly id: number;
  readonly event: Buffer;
  readonly context: FunctionContext;
  readonly resolve: (o: InvocationOutcome) => void;
  timer: NodeJS.Timeout | null;
  instance: Instance | null;
  settled: boolean;
}

interface Instance {
  readonly worker: Worker;
  current: Pending | null;
  dead: boolean;
  /** Stops the instance once it has been idle for the function's idle time. */
  idleTimer: NodeJS.Timeout | null;
}

let nextId = 0;

/** The instances of one function at one code version. */
export class FunctionInstances {
  private readonly instances = new Set<Instance>();
  private readonly idle: Instance[] = [];
  private readonly queue: Pending[] = [];
  private retired = false;

  constructor(readonly fn: LocalFunction) {}

  /** Number of live workers (for tests and metrics). */
  get size(): number {
    return this.instances.size;
  }

  /** Runs one invocation; resolves with its outcome, never rejects. */
  invoke(event: Buffer, context: FunctionContext, timeoutMs: number): Promise<InvocationOutcome> {
    return new Promise((resolve) => {
      if (this.retired) return resolve({ ok: false, reason: 'busy', message: 'the function is being reloaded' });
      if (this.queue.length >= MAX_QUEUED) return resolve({ ok: false, reason: 'busy', message: `${this.queue.length} invocations are already waiting` });
      const p: Pending = { id: ++nextId, event, context, resolve, timer: null, instance: null, settled: false };
      p.timer = setTimeout(() => this.timeOut(p), timeoutMs);
      this.queue.push(p);
      this.dispatch();
    });
  }

  /**
   * Takes no more invocations: those already waiting still run (on the code
   * they were sent to), then every worker stops.
   */
  retire(): void {
    this.retired = true;
    if (this.queue.length === 0) for (const i of this.idle.splice(0)) void this.stop(i);
  }

  /** Stops every worker; invocations waiting or under way end as crashed. */
  async close(): Promise<void> {
    this.retired = true;
    for (const p of this.queue.splice(0)) this.settle(p, { ok: false, reason: 'crash', message: 'the gateway is stopping' });
    this.idle.length = 0;
    await Promise.all([...this.instances].map((i) => this.stop(i)));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let instance = this.idle.pop();
      if (instance === undefined) {
        if (this.instances.size >= this.fn.instances) return;
        instance = this.spawn();
      }
      if (instance.idleTimer !== null) {
        clearTimeout(instance.idleTimer);
        instance.idleTimer = null;
      }
      const p = this.queue.shift()!;
      p.instance = instance;
      instance.current = p;
      instance.worker.postMessage({ id: p.id, event: p.event, context: p.context });
    }
  }

  private spawn(): Instance {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.fn.file, exportName: this.fn.exportName },
      resourceLimits: { maxOldGenerationSizeMb: this.fn.memoryMB, maxYoungGenerationSizeMb: Math.max(4, Math.min(64, Math.floor(this.fn.memoryMB / 8))) },
      // Functions see their own environment, not the gateway's (which may hold credentials).
      env: { FC_FUNCTION_KEY: this.fn.key, FC_FUNC_CODE_PATH: this.fn.codeDir, NODE_ENV: process.env['NODE_ENV'] ?? 'production' },
    });
    const instance: Instance = { worker, current: null, dead: false, idleTimer: null };
    this.instances.add(instance);
    worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; message?: string }) => {
      const p = instance.current;
      if (p === null || p.id !== msg.id) return;
      instance.current = null;
      this.settle(p, msg.ok ? { ok: true, result: msg.result } : msg.result === true ? { ok: true, result: new ResultNotCopyable(msg.message!) } : { ok: false, reason: 'error', message: msg.message ?? 'error' });
      this.release(instance);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const message = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `ran out of memory (${this.fn.memoryMB} MB)` : `crashed: ${err.message}`;
      this.lose(instance, message);
    });
    worker.on('exit', (code) => this.lose(instance, `exited with code ${code}`));
    return instance;
  }

  private release(instance: Instance): void {
    if (instance.dead) return;
    if (this.retired && this.queue.length === 0) {
      void this.stop(instance);
      for (const i of this.idle.splice(0)) void this.stop(i);
      return;
    }
    this.idle.push(instance);
    this.dispatch();
    if (instance.current === null && !instance.dead) {
      // Still idle after the queue was served: it goes after the idle time (a warm set shrinks when traffic stops).
      instance.idleTimer = setTimeout(() => {
        instance.idleTimer = null;
        const at = this.idle.indexOf(instance);
        if (at !== -1 && instance.current === null) {
          this.idle.splice(at, 1);
          void this.stop(instance);
        }
      }, this.fn.idleMs);
      instance.idleTimer.unref();
    }
  }

  /** A worker is gone: its invocation fails, another worker takes the queue. */
  private lose(instance: Instance, message: string): void {
    if (instance.dead) return;
    instance.dead = true;
    this.instances.delete(instance);
    const at = this.idle.indexOf(instance);
    if (at !== -1) this.idle.splice(at, 1);
    const p = instance.current;
    instance.current = null;
    if (p !== null) this.settle(p, { ok: false, reason: 'crash', message });
    void instance.worker.terminate();
    this.dispatch();
  }

  private stop(instance: Instance): Promise<void> {
    instance.dead = true;
    if (instance.idleTimer !== null) clearTimeout(instance.idleTimer);
    this.instances.delete(instance);
    const p = instance.current;
    instance.current = null;
    if (p !== null) this.settle(p, { ok: false, reason: 'crash', message: 'the gateway is stopping' });
    return instance.worker.terminate().then(
      () => undefined,
      () => undefined,
    );
  }

  private timeOut(p: Pending): void {
    p.timer = null;
    if (p.settled) return;
    const at = this.queue.indexOf(p);
    if (at !== -1) this.queue.splice(at, 1);
    const instance = p.instance;
    this.settle(p, { ok: false, reason: 'timeout', message: 'timed out' });
    if (instance !== null && instance.current === p) {
      // The only way to stop code that may never yield: end its worker.
      instance.current = null;
      instance.dead = true;
      this.instances.delete(instance);
      void instance.worker.terminate();
      this.dispatch();
    }
  }

  private settle(p: Pending, outcome: InvocationOutcome): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer !== null) clearTimeout(p.timer);
    p.resolve(outcome);
  }
}

/** A result the worker could not copy out (it holds functions or other uncopyable values). */
export class ResultNotCopyable {
  constructor(readonly message: string) {}
}
