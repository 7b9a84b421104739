/**
 * Where `apigw serve` writes the data plane's access log (one JSON line
 * per request, built by dataplane/observability.ts): standard output, a
 * file, or nowhere. A file is opened for appending and reopened on demand
 * (SIGHUP), so logrotate can move it away and the next line starts a new
 * file at the same path.
 */
import pino from 'pino';

/** `stdout`, `off`, or the path of a file to append to. */
export type AccessLogTarget = string;

/** An open access-log destination. */
export interface AccessLogSink {
  /** What the data plane writes its lines to. */
  readonly stream: NodeJS.WritableStream;
  /** Reopens the file at its path (after rotation); nothing for stdout. */
  reopen(): void;
  /** Writes out what is buffered and closes the file. */
  close(): void;
}

/** Opens the access log `target` names; undefined for `off`. */
export function openAccessLog(target: AccessLogTarget): AccessLogSink | undefined {
  if (target === 'off') return undefined;
  const toStdout = target === 'stdout' || target === '-';
  const boom = toStdout ? pino.destination({ dest: 1, sync: false }) : pino.destination({ dest: target, append: true, mkdir: true, sync: true });
  return {
    stream: boom as unknown as NodeJS.WritableStream,
    reopen: () => {
      if (!toStdout) boom.reopen();
    },
    close: () => {
      try {
        boom.flushSync();
      } catch {
        // Nothing buffered, or the descriptor is already gone.
      }
      if (!toStdout) boom.end();
    },
  };
}
