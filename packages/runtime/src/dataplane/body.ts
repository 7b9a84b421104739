/**
 * Request bodies under the gateway's size limit, read one way wherever they
 * are read: bytes are counted as they arrive and reading stops at the first
 * chunk past the limit with a BodyTooLargeError, so an oversized body is
 * never buffered. The pipeline reads a body it must check (form fields,
 * Content-MD5), the proxy streams a chunked one through `limitBody`, and an
 * event function gets the whole of what the proxy would have sent.
 */
import { BodyTooLargeError } from '../errors';

/** Passes `source` on chunk by chunk; throws BodyTooLargeError once more than `limit` bytes came. */
export async function* limitBody(source: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    yield chunk;
  }
}

/**
 * The whole of `source`, at most `limit` bytes. Rejects with
 * BodyTooLargeError past the limit, and with the source's own error when it
 * fails first (a client that went away in the middle).
 */
export async function readBody(source: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of limitBody(source, limit)) {
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks, size);
}
