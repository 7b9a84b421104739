/**
 * The runtime's inventory: which address each VPC instance id stands for.
 * It comes from the embedder (`inventory` option) and from a JSON file in
 * the data directory (`{ "i-web1": "10.0.0.5" }`). Reading the file is kept
 * out of the data plane's `update`, which only compiles what it is given:
 * the gateway reads the file beside the store when a commit arrives, and a
 * file that cannot be used is reported (by `/readyz` and a warning) while
 * the data plane keeps the snapshot it has.
 */
import { readFileSync } from 'node:fs';
import { InventoryError } from '../errors';

export { InventoryError };

/** VPC instance id -> IP address. */
export type Inventory = Readonly<Record<string, string>>;

/**
 * Reads an inventory file: a JSON object mapping VPC instance ids to IP
 * addresses. A missing file is an empty inventory; anything else that is
 * wrong throws InventoryError naming the file (and the entry, as a JSON
 * pointer).
 */
export function loadInventoryFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new InventoryError(file, `cannot read inventory ${file}: ${(err as Error).message}`, err);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InventoryError(file, `inventory ${file} is not JSON: ${(err as Error).message}`, err);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new InventoryError(file, `inventory ${file} must be an object of instance id -> address`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new InventoryError(file, `inventory ${file}: /${k.replace(/~/g, '~0').replace(/\//g, '~1')} must be a string address`);
    out[k] = v;
  }
  return out;
}

/**
 * An inventory file read beside the store, merged under fixed entries
 * (which win). After a failed read `problem` holds the file's error until a
 * read succeeds again.
 */
export class InventorySource {
  private failure: InventoryError | null = null;

  constructor(
    /** The JSON file, or null for fixed entries only. */
    readonly file: string | null,
    private readonly fixed: Inventory = {},
  ) {}

  /** The file's error at the last read, or null when it was usable. */
  get problem(): InventoryError | null {
    return this.failure;
  }

  /** The current inventory; throws InventoryError (and keeps it in `problem`) when the file cannot be used. */
  read(): Inventory {
    if (this.file === null) return this.fixed;
    try {
      const entries = { ...loadInventoryFile(this.file), ...this.fixed };
      this.failure = null;
      return entries;
    } catch (err) {
      this.failure = err as InventoryError;
      throw err;
    }
  }
}
