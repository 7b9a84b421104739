/** Clients of the admin API. */
export * from './gateway-client';
export { HttpGatewayClient, type HttpGatewayClientOptions } from './http-client';
export { InProcessGatewayClient } from './in-process-client';
export { RESOURCE_PATHS, resourcePath, type ResourcePath } from './paths';
