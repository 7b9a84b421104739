/**
 * The files a runtime reads from its data directory beside the store: each
 * name is defined here once, for the in-process gateway and the data-plane
 * workers alike.
 */

/** VPC instance id -> address (`inventory.json`). */
export const INVENTORY_FILE = 'inventory.json';

/** The function table: `service/function[@qualifier]` -> local handler or invoke URL (`functions.json`). */
export const FUNCTIONS_FILE = 'functions.json';

/** The external bucket table: bucket -> S3/OSS-compatible endpoint (`oss.json`). */
export const OSS_FILE = 'oss.json';

/** The directory embedded OSS buckets are kept in. */
export const OSS_DIR = 'oss';

/** The lock a running gateway holds on its data directory (an SQLite file the operating system locks). */
export const LOCK_FILE = 'runtime.lock';

/** Who holds the lock: pid, host and start time, written by the holder once it has the lock. */
export const LOCK_HOLDER_FILE = 'runtime.lock.holder';
