/**
 * How the CDKTF bindings name things: @cdktf/provider-generator's camelCase
 * property names for Terraform attributes, and a Terraform object of a block
 * turned into the configuration of a generated CDKTF class.
 */
import type { TfBlock } from '../terraform/provider-schema';
import { isObject, type TfObject, type TfValue } from '../terraform/values';

/**
 * The property name @cdktf/provider-generator gives a Terraform attribute
 * or block (`match_all_child_paths` -> `matchAllChildPaths`).
 */
export function cdktfName(terraformName: string): string {
  return terraformName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * A Terraform object of `block` as the configuration of the generated
 * CDKTF class: camelCase property names, null values and empty list blocks
 * left out, map keys kept as they are.
 */
export function toCdktfConfig(block: TfBlock, value: TfObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of block.attributes) {
    const v = value[a.name];
    if (v !== null && v !== undefined && a.field !== undefined) out[cdktfName(a.name)] = v;
  }
  for (const b of block.blockTypes) {
    const v: TfValue | undefined = value[b.name];
    if (b.nesting === 'single' && isObject(v)) out[cdktfName(b.name)] = toCdktfConfig(b.block, v);
    if (b.nesting === 'list' && Array.isArray(v) && v.length > 0)
      out[cdktfName(b.name)] = v.map((item) => (isObject(item) ? toCdktfConfig(b.block, item) : item));
  }
  return out;
}
