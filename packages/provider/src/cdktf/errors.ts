/**
 * The CDKTF integration's error codes (one table) and its error class, part
 * of the ApigwError hierarchy.
 */
import { ApigwError } from '@apigw/schema';

/** Every code the CDKTF integration raises, and what it means. */
export const CDKTF_ERROR_CODES = {
  APIGW_TFJSON_INVALID: 'A `cdk.tf.json` cannot be read as an apigw document: a value is not literal, a reference does not resolve, or a resource uses `count`/`for_each`.',
} as const;

/** A stable code of the CDKTF integration. */
export type CdktfErrorCode = keyof typeof CDKTF_ERROR_CODES;

/** Why a synthesized CDKTF stack is not an apigw document; `pointer` is the JSON pointer of the offending place in the file. */
export class TfJsonInvalidError extends ApigwError {
  declare readonly code: CdktfErrorCode;
  /** JSON pointer into the cdk.tf.json file. */
  readonly pointer: string;
  constructor(file: string, pointer: string, message: string) {
    super('APIGW_TFJSON_INVALID', `${file}: ${pointer || '/'}: ${message}`);
    this.pointer = pointer;
  }
}
