/**
 * Buckets kept in the data directory: `<root>/<bucket>/index.db` (SQLite,
 * WAL) says which objects exist and `<root>/<bucket>/objects/<id>` holds
 * their bytes. Object keys never become file names, so any key works (a key
 * and a "folder" with the same prefix, `a` and `a/b`, live side by side) and
 * no key can climb out of the bucket.
 *
 * A write streams the body into a new content file (bounded memory, MD5
 * and size counted on the way, flushed to disk), then points the key at it
 * in one SQLite transaction: readers see the old object or the new one,
 * never a part, and processes sharing the data directory (data-plane
 * workers) serialize on SQLite's lock. The file a key no longer names is
 * removed after the commit; a reader that lost that race reads the index
 * again. An append writes into the object's own file past its recorded
 * size, under the lock, then records the new size, so readers, who never
 * read past the recorded size, see whole appends only.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, createWriteStream, mkdirSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openSharedFile } from '../../../store/sqlite';
import { limitBody } from '../../body';

/** What the index knows of an object. */
export interface ObjectInfo {
  readonly key: string;
  readonly file: string;
  readonly size: number;
  /** Quoted upper-case hex: `"5EB63BBBE01EEED093CB22BB8F5ACDC3"`. */
  readonly etag: string;
  readonly contentType: string;
  /** `x-oss-meta-*` headers, names lowercased. */
  readonly meta: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, whole seconds (HTTP dates have no finer grain). */
  readonly lastModified: number;
  readonly appendable: boolean;
}

/** What a write stores besides the bytes. */
export interface WriteOptions {
  readonly contentType: string;
  readonly meta: Readonly<Record<string, string>>;
  /** Base64 MD5 the body must have (Content-MD5). */
  readonly contentMd5?: string;
  /** Refuse to replace an existing object (x-oss-forbid-overwrite). */
  readonly forbidOverwrite?: boolean;
  /** Largest body accepted. */
  readonly limit: number;
}

/** Why a write was refused. */
export type WriteRefusal = 'InvalidDigest' | 'FileAlreadyExists' | 'PositionNotEqualToLength' | 'ObjectNotAppendable';

/** An object opened for reading: its bytes stay readable even if a writer replaces it meanwhile. */
export interface OpenedObject {
  readonly info: ObjectInfo;
  readonly handle: FileHandle;
}

/** A body: bytes in hand or a stream. */
export type BodySource = Buffer | Readable | AsyncIterable<Buffer> | null;

interface Row {
  key: string;
  file: string;
  size: number;
  etag: string;
  content_type: string;
  meta: string;
  last_modified: number;
  appendable: number;
}

function toInfo(r: Row): ObjectInfo {
  return {
    key: r.key,
    file: r.file,
    size: r.size,
    etag: r.etag,
    contentType: r.content_type,
    meta: JSON.parse(r.meta) as Record<string, string>,
    lastModified: r.last_modified,
    appendable: r.appendable === 1,
  };
}

const quoted = (hex: string): string => `"${hex.toUpperCase()}"`;
const nowSeconds = (): number => Math.floor(Date.now() / 1000) * 1000;

/** A new object whose content is the file just received. */
function fresh(key: string, got: { file: string; size: number; md5: Buffer }, options: WriteOptions, appendable: boolean): ObjectInfo {
  return {
    key,
    file: got.file,
    size: got.size,
    etag: quoted(got.md5.toString('hex')),
    contentType: options.contentType,
    meta: options.meta,
    lastModified: nowSeconds(),
    appendable,
  };
}

/** One bucket in the data directory. */
class Bucket {
  private readonly db: DatabaseSync;
  private readonly getStmt: StatementSync;
  private readonly putStmt: StatementSync;
  private readonly deleteStmt: StatementSync;
  readonly objects: string;

  constructor(readonly dir: string) {
    this.objects = join(dir, 'objects');
    mkdirSync(this.objects, { recursive: true });
    this.db = openSharedFile(join(dir, 'index.db'), {
      durable: true,
      schema: [
        'CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, file TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, ' +
          'content_type TEXT NOT NULL, meta TEXT NOT NULL, last_modified INTEGER NOT NULL, appendable INTEGER NOT NULL) WITHOUT ROWID',
      ],
    });
    this.getStmt = this.db.prepare('SELECT * FROM objects WHERE key = ?');
    this.putStmt = this.db.prepare('INSERT OR REPLACE INTO objects (key, file, size, etag, content_type, meta, last_modified, appendable) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.deleteStmt = this.db.prepare('DELETE FROM objects WHERE key = ?');
  }

  /** Points the object's key at its (complete) content file; called under the lock. */
  private record(info: ObjectInfo): void {
    this.putStmt.run(info.key, info.file, info.size, info.etag, info.contentType, JSON.stringify(info.meta), info.lastModified, info.appendable ? 1 : 0);
  }

  get(key: string): ObjectInfo | undefined {
    const r = this.getStmt.get(key) as Row | undefined;
    return r === undefined ? undefined : toInfo(r);
  }

  /** Runs `fn` holding the bucket's write lock (across processes). */
  private locked<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      return r;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async open(key: string): Promise<OpenedObject | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const info = this.get(key);
      if (info === undefined) return undefined;
      try {
        return { info, handle: await open(join(this.objects, info.file), 'r') };
      } catch (err) {
        // Replaced between the lookup and the open: the index names the new file now.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return undefined;
  }

  /** Streams `body` into a new content file; resolves with its name, size and MD5. */
  private async receive(body: BodySource, limit: number): Promise<{ file: string; size: number; md5: Buffer }> {
    const file = randomUUID();
    const path = join(this.objects, file);
    const hash = createHash('md5');
    let size = 0;
    const source: AsyncIterable<Buffer> = body === null ? Readable.from([]) : Buffer.isBuffer(body) ? Readable.from([body]) : body;
    try {
      await pipeline(
        limitBody(source, limit),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(path, { flush: true }),
      );
    } catch (err) {
      await unlink(path).catch(() => undefined);
      throw err;
    }
    return { file, size, md5: hash.digest() };
  }

  async put(key: string, body: BodySource, options: WriteOptions): Promise<ObjectInfo | WriteRefusal> {
    const got = await this.receive(body, options.limit);
    const drop = (): void => {
      try {
        unlinkSync(join(this.objects, got.file));
      } catch {
        // Already gone.
      }
    };
    if (options.contentMd5 !== undefined && options.contentMd5 !== got.md5.toString('base64')) {
      drop();
      return 'InvalidDigest';
    }
    const info = fresh(key, got, options, false);
    let replaced: ObjectInfo | undefined;
    const refused = this.locked(() => {
      replaced = this.get(key);
      if (replaced !== undefined && options.forbidOverwrite === true) return true;
      this.record(info);
      return false;
    });
    if (refused) {
      drop();
      return 'FileAlreadyExists';
    }
    if (replaced !== undefined) await unlink(join(this.objects, replaced.file)).catch(() => undefined);
    return info;
  }

  /**
   * Appends at `position`, which must be the object's size (0 creates an
   * appendable object). The body is received first, so the lock is held
   * only while the bytes are copied into place.
   */
  async append(key: string, position: number, body: BodySource, options: WriteOptions): Promise<ObjectInfo | { refused: WriteRefusal; size: number }> {
    const got = await this.receive(body, options.limit);
    const partPath = join(this.objects, got.file);
    try {
      if (options.contentMd5 !== undefined && options.contentMd5 !== got.md5.toString('base64')) return { refused: 'InvalidDigest', size: this.get(key)?.size ?? 0 };
      return this.locked(() => {
        const current = this.get(key);
        if (current !== undefined && !current.appendable) return { refused: 'ObjectNotAppendable' as const, size: current.size };
        const size = current?.size ?? 0;
        if (position !== size) return { refused: 'PositionNotEqualToLength' as const, size };
        if (current === undefined) {
          // A new appendable object: the received part is its content file.
          const info = fresh(key, got, options, true);
          this.record(info);
          got.file = '';
          return info;
        }
        copyInto(partPath, join(this.objects, current.file), size);
        // Appendable objects are not hashed whole (as on OSS, their ETag is not the content MD5): chain the part into it.
        const etag = quoted(createHash('md5').update(current.etag).update(got.md5).digest('hex'));
        const info: ObjectInfo = { ...current, size: size + got.size, etag, lastModified: nowSeconds() };
        this.record(info);
        return info;
      });
    } finally {
      if (got.file !== '') await unlink(partPath).catch(() => undefined);
    }
  }

  async delete(key: string): Promise<void> {
    const gone = this.locked(() => {
      const current = this.get(key);
      if (current !== undefined) this.deleteStmt.run(key);
      return current;
    });
    if (gone !== undefined) await unlink(join(this.objects, gone.file)).catch(() => undefined);
  }

  close(): void {
    this.db.close();
  }
}

/** Copies `from` into `to` at `offset`, in bounded chunks. */
function copyInto(from: string, to: string, offset: number): void {
  const src = openSync(from, 'r');
  const dst = openSync(to, 'r+');
  try {
    const buf = Buffer.allocUnsafe(256 * 1024);
    let at = offset;
    for (;;) {
      const n = readSync(src, buf, 0, buf.length, null);
      if (n === 0) break;
      let written = 0;
      while (written < n) written += writeSync(dst, buf, written, n - written, at + written);
      at += n;
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
}

/** The buckets of one data directory, opened on first use. */
export class EmbeddedObjectStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly root: string) {}

  private bucket(name: string): Bucket {
    let b = this.buckets.get(name);
    if (b === undefined) {
      b = new Bucket(join(this.root, name));
      this.buckets.set(name, b);
    }
    return b;
  }

  head(bucket: string, key: string): ObjectInfo | undefined {
    return this.bucket(bucket).get(key);
  }

  open(bucket: string, key: string): Promise<OpenedObject | undefined> {
    return this.bucket(bucket).open(key);
  }

  put(bucket: string, key: string, body: BodySource, options: WriteOptions): Promise<ObjectInfo | WriteRefusal> {
    return this.bucket(bucket).put(key, body, options);
  }

  append(bucket: string, key: string, position: number, body: BodySource, options: WriteOptions): Promise<ObjectInfo | { refused: WriteRefusal; size: number }> {
    return this.bucket(bucket).append(key, position, body, options);
  }

  delete(bucket: string, key: string): Promise<void> {
    return this.bucket(bucket).delete(key);
  }

  close(): void {
    for (const b of this.buckets.values()) b.close();
    this.buckets.clear();
  }
}
