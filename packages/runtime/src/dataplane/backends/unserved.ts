/**
 * Backend types this runtime does not serve (FUNCTION, OSS): their APIs
 * answer 503 `Backend Type Not Served`, naming the type. Serving one is
 * replacing its entry in the registry with a real module.
 */
import type { BackendService } from '@apigw/schema';
import type { BackendModule } from './backend-module';

export function unservedBackend(type: BackendService['type']): BackendModule<never> {
  return {
    type,
    compile: () => ({ error: `backend type ${type} is not served by this runtime`, unservedType: true }),
    invoke(ex) {
      ex.sendError('BACKEND_TYPE_UNSERVED', `: ${type}`);
    },
  };
}
