/**
 * @apigw/provider/cdktf: apigw in CDKTF programs. The generated bindings of
 * every resource type (`apigw_api`, ...) and of the provider, the
 * ApigwResources adapter that turns a GatewayStack of @apigw/constructs
 * into those resources, and the reader of synthesized stacks used by
 * `apigw plan -f cdk.tf.json`.
 */
// Before the first import of the toolchain: without it, name what to install.
import { requireToolchain } from '../toolchains';
requireToolchain('cdktf');
export * from './generated';
export { ApigwResources, type ApigwResourcesOptions } from './apigw-resources';
export { documentFromTfJson } from './from-tf-json';
export { tfJsonSource } from './tf-json-source';
export { CDKTF_ERROR_CODES, TfJsonInvalidError, type CdktfErrorCode } from './errors';
export { cdktfName, toCdktfConfig } from './naming';
