/**
 * @apigw/runtime: the embedded gateway. Its state model and admin client
 * are the interface every apigw tool uses to change it.
 */
export * from './model';
export * from './client/gateway-client';
export * from './dataplane/data-plane';
