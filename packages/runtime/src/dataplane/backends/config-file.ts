/**
 * A runtime configuration file in the data directory (functions.json,
 * oss.json) that is read again when it changes. The directory is watched,
 * not the file, so the file may be created, replaced or renamed into place;
 * changes closer together than a few milliseconds are taken as one.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Changes arriving closer together than this are taken as one. */
const DEBOUNCE_MS = 50;

/**
 * Reads a JSON configuration file. A missing file reads as `{}`; one that
 * cannot be read or parsed throws the error `fail` makes of the message.
 */
export function readJsonFile(file: string, fail: (message: string) => Error): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw fail(`${file} is not JSON: ${(err as Error).message}`);
  }
}

/** Calls `onChange` (debounced) whenever `file` may have changed, until closed. */
export class ConfigFileWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly file: string,
    private readonly onChange: () => void,
  ) {
    const name = basename(file);
    try {
      this.watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.schedule();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // Nothing to watch (the directory is missing): the file is still read at every update.
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null || this.watcher === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onChange();
    }, DEBOUNCE_MS);
    this.timer.unref();
  }
}
