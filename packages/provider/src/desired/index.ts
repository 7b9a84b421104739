/** Loading and validating the desired state (`-f`). */
export { loadDocument, type LoadedDocument } from './load';
export { DOCUMENT_SOURCES, jsonSource, programSource, tfJsonSource, parseJsonFile, readText, type DocumentSource } from './sources';
