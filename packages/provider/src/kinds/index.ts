/** Per-kind handlers: identity, normalization, field diffs and runtime operations. */
export * from './resource-handler';
export * from './registry';
export { BaseHandler } from './handler-base';
export { ApiResourceHandler } from './api-handler';
export { AuthorizationHandler } from './authorization-handler';
export { BackendServiceHandler } from './backend-service-handler';
export { SENSITIVE, diffFields, jsonEqual, maskSecrets } from './field-diff';
