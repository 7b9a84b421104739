/**
 * @apigw/schema: the desired-state document shared by every apigw tool.
 * The JSON Schema is the contract; the types are generated from it; the
 * validator applies its defaults and the rules that span resources.
 */
export * from './document.generated';
export * from './errors';
export * from './kinds';
export * from './backend-types';
export * from './marks';
export * from './rules';
export * from './canonical';
export * from './path-template';
export * from './parameter-value';
export * from './validate';
export * from './batch-schema';
export * from './pointer';
export * from './cidr';
export * from './suggest';
export * from './plugin-checks';
export * from './plugin-rules';
