/**
 * The Terraform plugin's error codes (one table) and its error class, part
 * of the ApigwError hierarchy.
 */
import { ApigwError } from '@apigw/schema';

/** Every code the Terraform plugin raises, and what it means. */
export const TERRAFORM_ERROR_CODES = {
  APIGW_TF_NOT_PLUGIN_HOST: 'The plugin was started by something other than Terraform (the magic cookie is missing or wrong).',
  APIGW_TF_PROTOCOL_VERSION: 'Terraform offered no plugin protocol version this plugin speaks (it speaks 6).',
  APIGW_TF_UNKNOWN_RESOURCE_TYPE: 'Terraform asked about a resource type this provider does not have.',
  APIGW_TF_NOT_CONFIGURED: 'A resource operation ran before ConfigureProvider.',
  APIGW_TF_CONFIG_UNKNOWN: 'The provider configuration holds values that are only known after apply.',
  APIGW_TF_STATE_INVALID: 'Stored state cannot be read as this provider\'s resource state.',
} as const;

/** A stable code of the Terraform plugin. */
export type TerraformErrorCode = keyof typeof TERRAFORM_ERROR_CODES;

/** An error of the Terraform plugin, reported to Terraform as a diagnostic. */
export class TerraformPluginError extends ApigwError {
  declare readonly code: TerraformErrorCode;
  constructor(code: TerraformErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
