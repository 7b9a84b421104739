/**
 * @apigw/constructs: typed constructs that describe an API gateway and
 * synthesize the apigw document (`GatewayStack.synth()`).
 */
export * from './errors';
export * from './gateway-stack';
export * from './vpc-access';
export * from './backend-service';
export * from './api-group';
export * from './api';
export * from './app';
export * from './authorization';
export * from './plugin';
export * from './testing';
export * from './program';
