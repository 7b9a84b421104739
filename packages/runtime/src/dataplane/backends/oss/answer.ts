/**
 * How an OSS backend answers: OSS's own XML error documents (a backend
 * answer, so without the gateway's X-Ca-Error-* headers) and the helpers
 * the embedded store and the external relay share.
 */
import type { Exchange } from '../../exchange';

/** Escapes text for an XML element. */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** An OSS error answer. */
export interface OssError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** More headers (x-oss-next-append-position, content-range). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** OSS's error answers, by code. */
export const OSS_ERRORS = {
  NoSuchKey: { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' },
  FileAlreadyExists: { status: 409, code: 'FileAlreadyExists', message: 'The object you specified already exists and can not be overwritten.' },
  PositionNotEqualToLength: { status: 409, code: 'PositionNotEqualToLength', message: 'Position is not equal to file length.' },
  ObjectNotAppendable: { status: 409, code: 'ObjectNotAppendable', message: 'The object is not appendable.' },
  InvalidDigest: { status: 400, code: 'InvalidDigest', message: 'The Content-MD5 you specified was invalid.' },
  InvalidRange: { status: 416, code: 'InvalidRange', message: 'The requested range cannot be satisfied.' },
  PreconditionFailed: { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold.' },
  InvalidObjectName: { status: 400, code: 'InvalidObjectName', message: 'The specified object name is not valid.' },
  KeyTooLong: { status: 400, code: 'KeyTooLong', message: 'Your key is too long.' },
  InvalidArgument: { status: 400, code: 'InvalidArgument', message: 'An argument is not valid.' },
  MethodNotAllowed: { status: 405, code: 'MethodNotAllowed', message: 'The specified method is not allowed against this resource.' },
  MissingContentLength: { status: 411, code: 'MissingContentLength', message: 'You must provide the Content-Length HTTP header.' },
  NotImplemented: { status: 501, code: 'NotImplemented', message: 'A header or action you provided implies functionality that is not implemented.' },
  MalformedPOSTRequest: { status: 400, code: 'MalformedPOSTRequest', message: 'The body of your POST request is not well-formed multipart/form-data.' },
} as const satisfies Record<string, OssError>;

/** Answers an OSS XML error (headers only for HEAD). */
export function sendOssError(ex: Exchange, error: OssError, bucket: string, key: string | null, detail?: string): void {
  const message = detail === undefined ? error.message : `${error.message} ${detail}`;
  const body =
    ex.req.method === 'HEAD'
      ? ''
      : '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n' +
        `  <Code>${error.code}</Code>\n  <Message>${xmlEscape(message)}</Message>\n  <RequestId>${ex.rid}</RequestId>\n` +
        `  <HostId>${xmlEscape(bucket)}</HostId>\n` +
        (key === null ? '' : `  <Key>${xmlEscape(key)}</Key>\n`) +
        '</Error>\n';
  const headers: Record<string, string | number> = {
    ...error.headers,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-oss-request-id': ex.rid,
    'x-oss-ec': error.code,
    'x-ca-request-id': ex.rid,
  };
  if (ex.res.headersSent) {
    ex.res.destroy();
    ex.done(error.status);
    return;
  }
  ex.res.writeHead(error.status, headers);
  ex.done(error.status);
  ex.res.end(body);
}
