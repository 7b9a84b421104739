/** Loading and validating the desired state (`-f`). */
export { loadDocument, type LoadedDocument } from './load';
export { typeCheck, isTypeScript, type TypeCheckResult } from './type-check';
export { DOCUMENT_SOURCES, jsonSource, programSource, parseJsonFile, readText, type DocumentSource } from './sources';
