/**
 * @apigw/provider: the reconciler and CLI, and the Pulumi and Terraform
 * integrations built on the same per-kind handlers.
 */
export * from './kinds';
