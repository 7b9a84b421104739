/**
 * The backend modules by type. The snapshot compiles each environment with
 * its type's module and the request path invokes the same module.
 *
 * Adding a backend type is one call here, registerBackendType: what a
 * document may say about the type (its environment field and that field's
 * schema, given to @apigw/schema's defineBackendType, so validation, the
 * admin API and the reconciler accept it) and its module (what the data
 * plane does with it). Nothing else names a type.
 */
import { defineBackendType, type BackendEnvironment, type BackendService, type BackendTypeInfo } from '@apigw/schema';
import type { CompileContext, CompiledTarget } from '../../snapshot/snapshot';
import type { BackendModule } from './backend-module';
import { functionBackend } from './function/function-backend';
import type { FunctionHost } from './function/host';
import { httpBackend } from './http';
import { mockBackend } from './mock';
import { ossBackend, type ObjectStorage } from './oss/oss-backend';
import { vpcBackend } from './vpc';

/** The module of each backend type, by type name. */
export type BackendRegistry = Readonly<Record<string, BackendModule<unknown>>>;

/** What the modules that run code or hold data use: one of each per data plane. */
export interface BackendServices {
  /** Runs event functions (FUNCTION backends). */
  readonly functions: FunctionHost;
  /** Embedded and external buckets (OSS backends). */
  readonly objects: ObjectStorage;
}

/** A backend module, or how to make one from a data plane's services (a type that runs code or holds data). */
export type BackendModuleFactory = BackendModule<unknown> | ((services: BackendServices) => BackendModule<unknown>);

const ADDED = new Map<string, BackendModuleFactory>();

/**
 * Adds a backend type: its document side (`definition`: the type's name,
 * the environment field holding its target and that field's JSON Schema)
 * and its data-plane module. Documents, admin batches and every data plane
 * created afterwards in this process accept and serve the type.
 */
export function registerBackendType(definition: BackendTypeInfo & { readonly schema: Readonly<Record<string, unknown>> }, module: BackendModuleFactory): void {
  defineBackendType(definition);
  ADDED.set(definition.type, module);
}

/** The modules this runtime ships and those added with registerBackendType, bound to one data plane's services. */
export function createBackendRegistry(services: BackendServices): BackendRegistry {
  const registry: Record<string, BackendModule<unknown>> = {
    HTTP: httpBackend as BackendModule<unknown>,
    VPC: vpcBackend as BackendModule<unknown>,
    MOCK: mockBackend as BackendModule<unknown>,
    FUNCTION: functionBackend(services.functions) as BackendModule<unknown>,
    OSS: ossBackend(services.objects) as BackendModule<unknown>,
  };
  for (const [type, module] of ADDED) registry[type] = typeof module === 'function' ? module(services) : module;
  return registry;
}

/** Compiles one environment with its type's module. */
export function compileTarget(registry: BackendRegistry, service: BackendService, env: BackendEnvironment, ctx: CompileContext): CompiledTarget {
  const module = registry[service.type];
  if (module === undefined) return { env, value: null, error: `backend type ${service.type} is unknown`, unservedType: true };
  const r = module.compile(service, env, ctx);
  if ('error' in r) return { env, value: null, error: r.error, unservedType: r.unservedType === true };
  return { env, value: r.value, error: null, unservedType: false, invoke: module.invoke };
}
