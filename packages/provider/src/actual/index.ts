/** Reading the live state, and exporting it as a document. */
export { readLiveState, stacksOf } from './read-state';
export { exportDocument } from './export';
