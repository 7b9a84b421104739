/**
 * The backend modules by type. The snapshot compiles each environment with
 * its type's module and the request path invokes the same module.
 */
import type { BackendEnvironment, BackendService } from '@apigw/schema';
import type { CompileContext, CompiledTarget } from '../../snapshot/snapshot';
import type { BackendModule } from './backend-module';
import { functionBackend } from './function/function-backend';
import type { FunctionHost } from './function/host';
import { httpBackend } from './http';
import { mockBackend } from './mock';
import { ossBackend, type ObjectStorage } from './oss/oss-backend';
import { vpcBackend } from './vpc';

export type BackendRegistry = Readonly<Record<BackendService['type'], BackendModule<unknown>>>;

/** What the modules that run code or hold data use: one of each per data plane. */
export interface BackendServices {
  /** Runs event functions (FUNCTION backends). */
  readonly functions: FunctionHost;
  /** Embedded and external buckets (OSS backends). */
  readonly objects: ObjectStorage;
}

/** The modules this runtime ships, bound to one data plane's services. */
export function createBackendRegistry(services: BackendServices): BackendRegistry {
  return {
    HTTP: httpBackend as BackendModule<unknown>,
    VPC: vpcBackend as BackendModule<unknown>,
    MOCK: mockBackend as BackendModule<unknown>,
    FUNCTION: functionBackend(services.functions) as BackendModule<unknown>,
    OSS: ossBackend(services.objects) as BackendModule<unknown>,
  };
}

/** Compiles one environment with its type's module. */
export function compileTarget(registry: BackendRegistry, service: BackendService, env: BackendEnvironment, ctx: CompileContext): CompiledTarget {
  const module = registry[service.type];
  if (module === undefined) return { env, value: null, error: `backend type ${service.type} is unknown`, unservedType: true };
  const r = module.compile(service, env, ctx);
  if ('error' in r) return { env, value: null, error: r.error, unservedType: r.unservedType === true };
  return { env, value: r.value, error: null, unservedType: false, invoke: module.invoke };
}
