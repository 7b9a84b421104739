/**
 * The contract of one backend type. Each type (HTTP, VPC, MOCK, ...) is one
 * module: it compiles a backend service's environment into whatever it needs
 * at request time (once per snapshot), and invokes it for a request. Adding a
 * type is adding a module to the registry.
 */
import type { BackendEnvironment, BackendService } from '@apigw/schema';
import type { CompileContext } from '../../snapshot/snapshot';
import type { Exchange } from '../exchange';

/** A compiled target, or why the environment cannot be served (answered as 503). */
export type CompileResult<T> = { readonly value: T } | { readonly error: string; readonly unservedType?: boolean };

export interface BackendModule<T = unknown> {
  readonly type: BackendService['type'];
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
