import type { StateView } from '../model';

/** Where and how the data plane serves traffic. */
export interface DataPlaneOptions {
  /** HTTP port (0 picks a free one). */
  readonly port: number;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** HTTPS port, served when some group domain has a certificate. */
  readonly tlsPort?: number;
  /** VPC instance id -> address (`10.0.0.5` or `127.0.0.1`), the runtime's inventory. */
  readonly inventory?: Readonly<Record<string, string>>;
  /** Largest request body forwarded, in bytes. */
  readonly maxBodyBytes?: number;
}

/**
 * The request path of the gateway. It serves from an immutable snapshot
 * compiled from a StateView; `update` swaps in a new one atomically.
 */
export interface DataPlane {
  /** Revision of the snapshot now serving. */
  readonly revision: number;
  /** Compiles and atomically swaps in a new snapshot. */
  update(view: StateView): void;
  /** Starts listening; resolves with the bound ports. */
  listen(): Promise<{ port: number; tlsPort?: number }>;
  /** Stops accepting, lets in-flight requests finish, closes backend pools. */
  close(): Promise<void>;
}
