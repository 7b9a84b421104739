/**
 * Every error the gateway itself answers. Each has an HTTP status, the
 * classic `X-Ca-Error-Message` text Alibaba's clients know, and a
 * six-character `X-Ca-Error-Code` (letter for the area: I = invalid request,
 * A = authentication/authorization, P = traffic policy (plugins), D = backend;
 * then the status; then two
 * letters). The table is the one home of these facts: `README.md` in this
 * folder documents it and a test keeps both in sync. On the request path a
 * refusal is a value, not an exception: a step returns an `ErrorAnswer`
 * naming its entry, and `Exchange.sendError` answers it.
 */
/** One gateway error: status, code, message and what it means. */
export interface GatewayErrorInfo {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly doc: string;
}

export const GATEWAY_ERRORS = {
  INVALID_URL: { status: 400, code: 'I400RU', message: 'Invalid Url', doc: 'The request target is not an origin-form path (absolute URL, `*`, missing leading slash), has a fragment (`#`), or has a segment that climbs out of its base: `.` or `..`, also percent-encoded, with `\\` or `%5c` as a separator, or with a `;` parameter (`..;`); or, for an event function (which gets its path decoded), the path is not valid percent-encoding.' },
  INVALID_PATH: { status: 400, code: 'I400PA', message: 'Invalid Url', doc: 'The request path has more segments than the gateway accepts (128).' },
  URL_TOO_LONG: { status: 414, code: 'I414UL', message: 'Url too Long', doc: 'The request target is longer than the gateway accepts (8192 characters).' },
  INVALID_DOMAIN: { status: 400, code: 'I400DO', message: 'Invalid Domain', doc: 'The Host header names no bound domain of any group.' },
  INVALID_HTTP_METHOD: { status: 400, code: 'I400HM', message: 'Invalid HttpMethod', doc: 'An API answers the path, but not with this method.' },
  UNSUPPORTED_METHOD: { status: 405, code: 'I405UM', message: 'Unsupported Method', doc: 'The method is one the gateway never proxies (CONNECT, TRACE, unknown methods).' },
  INVALID_HEADER: { status: 400, code: 'I400HD', message: 'Invalid Header', doc: 'A header is malformed (bad X-Ca-Stage, Host sent twice, unparsable request head).' },
  REQUEST_TIMEOUT: { status: 408, code: 'I408RT', message: 'Request Timeout', doc: 'The client did not send the whole request head in time.' },
  EXPECTATION_FAILED: { status: 417, code: 'I417EF', message: 'Expectation Failed', doc: 'The request sent an Expect header other than `100-continue`.' },
  HEADERS_TOO_LARGE: { status: 431, code: 'I431HL', message: 'Request Header Fields too Large', doc: 'The request head is larger than the gateway accepts.' },
  HEADER_REQUIRED: { status: 400, code: 'I400MH', message: 'Header Required', doc: 'A required header parameter of the API is missing.' },
  PARAMETER_REQUIRED: { status: 400, code: 'I400PR', message: 'Invalid Param Required', doc: 'A required query, path or form parameter of the API is missing; the message names it.' },
  INVALID_PARAMETER: { status: 400, code: 'I400PT', message: 'Invalid Param Type', doc: "A parameter's value does not parse as its declared type, or a value substituted into the backend path would make a `.` or `..` segment; the message names it." },
  INVALID_BODY: { status: 400, code: 'I400BD', message: 'Invalid Body', doc: 'The request body could not be read to its end.' },
  PROTOCOL_NOT_ALLOWED: { status: 403, code: 'I403PT', message: 'Protocol Not Allowed', doc: 'The API is not served over this protocol (HTTP or HTTPS).' },
  BODY_TOO_LARGE: { status: 413, code: 'I413RL', message: 'Request body too Large', doc: 'The request body is larger than the gateway forwards.' },
  API_NOT_FOUND: { status: 404, code: 'I404NF', message: 'API Not Found', doc: 'No API of the group in this stage answers the path.' },
  INVALID_APP_KEY: { status: 400, code: 'A400IK', message: 'Invalid AppKey', doc: 'X-Ca-Key is missing or names no app (an APP API needs a signature or an AppCode).' },
  INVALID_APP_CODE: { status: 400, code: 'A400AC', message: 'Invalid AppCode', doc: 'The AppCode names no app, or the API does not accept an AppCode where it was sent.' },
  INVALID_TIMESTAMP: { status: 400, code: 'A400IT', message: 'Invalid Timestamp', doc: 'X-Ca-Timestamp is missing where required or is not milliseconds since the epoch.' },
  TIMESTAMP_EXPIRED: { status: 400, code: 'A400TE', message: 'Timestamp Expired', doc: 'X-Ca-Timestamp is more than 15 minutes away from the gateway clock.' },
  INVALID_NONCE: { status: 400, code: 'A400IN', message: 'Invalid Nonce', doc: 'The API demands anti-replay and X-Ca-Nonce is missing or too long.' },
  NONCE_USED: { status: 400, code: 'A400NU', message: 'Nonce Used', doc: 'X-Ca-Nonce was already used within 15 minutes.' },
  INVALID_SIGNATURE_METHOD: { status: 400, code: 'A400SM', message: 'Invalid Signature Method', doc: 'X-Ca-Signature-Method names an algorithm the API does not accept.' },
  INVALID_SIGNATURE: { status: 400, code: 'A403IS', message: 'Invalid Signature', doc: "The signature does not match (the message carries the server's string to sign with line breaks as `#`), X-Ca-Signature-Headers lists more than 64 names, or an anti-replay API's request did not sign x-ca-nonce, x-ca-timestamp and a sent x-ca-stage." },
  INVALID_CONTENT_MD5: { status: 400, code: 'A400MD', message: 'Invalid Content-MD5', doc: 'Content-MD5 does not match the body.' },
  UNAUTHORIZED: { status: 403, code: 'A403PR', message: 'Unauthorized', doc: 'The app is not authorized for this API in this stage, or its authorization expired.' },
  IP_DENIED: { status: 403, code: 'P403IP', message: 'Access Denied by IP Control Policy', doc: "An IP_CONTROL plugin refuses the client's address (X-Forwarded-For counts only from trusted proxies)." },
  CORS_REFUSED: { status: 403, code: 'P403CR', message: 'CORS Request Refused', doc: "A CORS plugin's preflight refused the origin, method or a requested header; the answer has no Access-Control-* headers." },
  JWT_MISSING: { status: 401, code: 'P401JM', message: 'JWT Required', doc: 'A JWT plugin applies and the request carries no token where the plugin reads it.' },
  JWT_INVALID: { status: 401, code: 'P401JI', message: 'Invalid JWT', doc: 'The token does not verify; the message says why (signature, expired, not yet valid, issuer, audience, algorithm, malformed).' },
  THROTTLED_API: { status: 429, code: 'P429AF', message: 'Throttled by API Flow Control', doc: "A TRAFFIC_CONTROL plugin's apiDefault is used up for this API and stage in the current window; Retry-After says when it starts again." },
  THROTTLED_APP: { status: 429, code: 'P429PF', message: 'Throttled by APP Flow Control', doc: "The calling app's limit (appDefault or its special limit) is used up for this API and stage in the current window; Retry-After says when it starts again." },
  BACKEND_FAILED: { status: 502, code: 'D502FB', message: 'Failed To Invoke Backend Service', doc: 'The backend dropped the connection, answered something that is not HTTP, switched protocols (101), or its answer is larger than the response limit; the message names the cause.' },
  FUNCTION_FAILED: { status: 502, code: 'D502FE', message: 'Failed To Invoke Backend Service', doc: 'The event function threw, called back with an error, crashed, ran out of memory or exited; the message says which.' },
  FUNCTION_RESULT_INVALID: { status: 502, code: 'D502FR', message: 'Failed To Invoke Backend Service', doc: "The event function's result is not `{ statusCode, headers, body, isBase64Encoded }`; the message says what is wrong with it." },
  SERVICE_UNAVAILABLE: { status: 503, code: 'D503SU', message: 'Service Unavailable', doc: 'The backend cannot be reached: it refused the connection, its service has no definition for this stage, or its VPC instance is missing from the inventory. Names and addresses go to the access log (`errorDetail`), not to the client, unless `revealErrorDetail` is on.' },
  BACKEND_TYPE_UNSERVED: { status: 503, code: 'D503BT', message: 'Backend Type Not Served', doc: "The backend type has no module in the data plane's backend registry (the default registry serves every type)." },
  BACKEND_TIMEOUT: { status: 504, code: 'D504TO', message: 'Backend timeout', doc: "The backend did not answer within the API's timeout." },
  STATE_UNAVAILABLE: { status: 503, code: 'X503SU', message: 'Service Unavailable', doc: "The shared state an anti-replay or TRAFFIC_CONTROL API needs (the nonce ledger or call counter in the store's PostgreSQL) did not answer in time; the request was not forwarded. The cause goes to the access log (`errorDetail`); retry later." },
  INTERNAL_ERROR: { status: 500, code: 'X500IE', message: 'Internal Error', doc: 'The gateway failed in a way it did not foresee; the request id finds it in the access log.' },
} as const satisfies Record<string, GatewayErrorInfo>;

/** Name of a gateway error. */
export type GatewayErrorName = keyof typeof GATEWAY_ERRORS;
