/** Clients of the admin API. */
export * from './gateway-client';
export { HttpGatewayClient, type HttpGatewayClientOptions } from './http-client';
export { InProcessGatewayClient, type InProcessGatewayClientOptions } from './in-process-client';
export { StateCache, applyStateChanges, isStateChanges, type HeldState, type StateAnswer } from './state-cache';
export { RESOURCE_PATHS, STORE_HEADER, resourcePath, type ResourcePath } from './paths';
