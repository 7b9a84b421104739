/**
 * Loading the desired state: a file given with -f, read by the source that
 * accepts it and validated before anything talks to a gateway.
 */
import * as path from 'node:path';
import { parseDocument, type GatewayDocument } from '@apigw/schema';
import { SourceInvalidError } from '../errors';
import { DOCUMENT_SOURCES, type DocumentSource } from './sources';

/** A validated desired state and where it came from. */
export interface LoadedDocument {
  /** The validated, canonical document (defaults filled). */
  readonly document: GatewayDocument;
  /** Absolute path of the file it was read from. */
  readonly file: string;
  /** Which source read it. */
  readonly source: string;
}

/**
 * Loads the desired state from `-f FILE`: a JSON document or a constructs
 * program, chosen by file name among `sources`, then validated (schema
 * and document rules) before anything talks to the runtime. Throws
 * SourceInvalidError when the file cannot be read; DocumentInvalidError
 * (problems with JSON pointers) or the constructs' SynthError (problems
 * with construct paths) when what it describes is wrong.
 */
export async function loadDocument(file: string, sources: readonly DocumentSource[] = DOCUMENT_SOURCES): Promise<LoadedDocument> {
  const source = sources.find((s) => s.matches(file));
  if (!source) throw new SourceInvalidError(file, 'unknown file type: expected a .json document or a .ts/.js constructs program');
  const raw = await source.load(file);
  return { document: parseDocument(raw), file: path.resolve(file), source: source.name };
}
