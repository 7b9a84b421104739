/**
 * The contract of one backend type. Each type (HTTP, VPC, MOCK, FUNCTION,
 * OSS...) is one module: it compiles a backend service's environment into
 * whatever it needs at request time (once per snapshot), and invokes it for
 * a request. Adding a type is adding a module to the registry
 * (`registry.ts`); nothing else in the data plane names a type.
 *
 * What `invoke` gets: an exchange that passed every step of the pipeline
 * (routing, authentication, policies, nonce) with its `fwd*` fields filled
 * (`fwdMethod`, `fwdPath` with the query, `fwdHeaders` as a flat
 * name/value list, `fwdBody` as a Buffer, a stream or null), `ex.api`
 * (timeout in `timeoutMs`), `ex.app`, `ex.rid`, and `ex.rt` for shared
 * services (`pool(origin, servername)` for HTTP connections,
 * `maxResponseBytes`). It answers either by writing `ex.res` and calling
 * `ex.done(status)` once, or with `ex.sendError(name, detail)` (which does
 * both); it must not throw. The compiled target carries `invoke`, so the
 * pipeline calls the module directly.
 */
import type { BackendEnvironment, BackendService } from '@apigw/schema';
import type { CompileContext } from '../../snapshot/snapshot';
import type { Exchange } from '../exchange';

/** A compiled target, or why the environment cannot be served (answered as 503). */
export type CompileResult<T> = { readonly value: T } | { readonly error: string; readonly unservedType?: boolean };

export interface BackendModule<T = unknown> {
  /** The backend service `type` it serves (`HTTP`). */
  readonly type: string;
  /** Compiles one environment; runs when a snapshot is built, never per request. */
  compile(service: BackendService, env: BackendEnvironment, ctx: CompileContext): CompileResult<T>;
  /**
   * Serves the exchange from the target. The module owns the response from
   * here on and must end it (through `ex.sendError` or a full answer).
   */
  invoke(ex: Exchange, target: T): void;
  /** Origins this target keeps connections to (pools no longer named are closed). */
  origins?(target: T): readonly string[];
}
