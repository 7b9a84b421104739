/**
 * What a PostgreSQL failure means for the caller, decided in one place for
 * every statement of the engine (the store's reads and batches, the shared
 * nonces and counts, the node list). An outage (the connection failed, the
 * server is shutting down or out of resources) is APIGW_STORE_UNAVAILABLE:
 * retry later, and the data plane answers 503. Any other error the server
 * answered with is a fault of the statement, a bug rather than an outage,
 * and surfaces as APIGW_INTERNAL with its SQLSTATE.
 */
import { ApigwError } from '@apigw/schema';
import pg from 'pg';
import { RuntimeError } from '../../errors';

/**
 * The SQLSTATE of an error the server answered with (five characters), or
 * undefined for any other failure. Only pg's DatabaseError carries one:
 * Node's socket errors have a `code` too, and some (EPIPE, writing to a
 * connection the server closed) are five capitals as well.
 */
export function sqlState(error: unknown): string | undefined {
  if (!(error instanceof pg.DatabaseError)) return undefined;
  const code = error.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * A failure of the connection, not of a statement the server answered: no
 * SQLSTATE (refused, reset, timed out), class 08 (connection exception) or
 * 57P (the server is shutting down or not accepting connections yet).
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ApigwError) return false;
  const state = sqlState(error);
  return state === undefined || state.startsWith('08') || state.startsWith('57P');
}

/** An outage of the database: a connection failure, or class 53 (too many connections, out of memory, disk full). */
export function isOutage(error: unknown): boolean {
  return isConnectionError(error) || (sqlState(error)?.startsWith('53') ?? false);
}

/** APIGW_STORE_UNAVAILABLE, keeping the failure as its cause (an error that is one already is kept). */
export function unavailable(error: unknown, message = 'the store database cannot be reached; nothing changed'): RuntimeError {
  if (error instanceof RuntimeError && error.code === 'APIGW_STORE_UNAVAILABLE') return error;
  return new RuntimeError('APIGW_STORE_UNAVAILABLE', message, { cause: error });
}

/**
 * The error to throw for a failed statement: APIGW_STORE_UNAVAILABLE with
 * `message` for an outage, APIGW_INTERNAL naming `what` and the SQLSTATE
 * for any other error the server answered with (its own message stays in
 * the cause, for logs), and anything else (an apigw error) as it is.
 */
export function storeFailure(error: unknown, what: string, message?: string): unknown {
  if (error instanceof ApigwError) return error;
  if (isOutage(error)) return unavailable(error, message);
  return new RuntimeError('APIGW_INTERNAL', `the store database refused ${what} (SQLSTATE ${sqlState(error)})`, { cause: error });
}
