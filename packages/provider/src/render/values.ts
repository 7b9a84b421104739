/**
 * How a value reads in a plan's change line.
 */
import { SENSITIVE } from '../kinds';

/** A value in a change line: JSON, except a masked secret, which reads (sensitive). */
export function formatValue(value: unknown): string {
  if (value === SENSITIVE) return SENSITIVE;
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
