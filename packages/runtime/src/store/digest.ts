import { createHash } from 'node:crypto';

/** Digest of a stored definition: sha256 of its canonical JSON text. */
export function digestOf(canonicalText: string): string {
  return createHash('sha256').update(canonicalText).digest('hex');
}
