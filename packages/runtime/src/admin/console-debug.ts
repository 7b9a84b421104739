/**
 * The console's Debug call: `POST /v1/console/debug` builds the request
 * with the same code as `apigw call` (call/prepare-call: the data plane's
 * own signer), signs it server-side with the chosen app's credentials, sends
 * it to this gateway's data plane and answers what went out and what came
 * back, with the gateway's error explained. The browser never receives an
 * app's AppSecret or AppCode: an AppCode the runtime sent is masked in the
 * echoed request.
 */
import { STAGES, type Stage } from '@apigw/schema';
import { performCall, prepareCall, type CallCredentials, type PreparedCall } from '../call';
import { CallError, RuntimeError } from '../errors';
import type { AdminCore } from './core';
import type { DebugCaller, DebugRequest, DebugResult } from './console-model';

/** Largest response body the Debug page shows. */
const MAX_BODY_BYTES = 256 * 1024;
/** How long a Debug call may take. */
const TIMEOUT_MS = 30_000;
/** What replaces a secret the runtime added to the request. */
const MASK = '••••••';

function bad(pointer: string, message: string): RuntimeError {
  return new RuntimeError('APIGW_BAD_REQUEST', `${pointer}: ${message}`, { problems: [{ code: 'SCHEMA_VIOLATION', pointer, message }] });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, pointer: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) throw bad(pointer, 'must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw bad(`${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'must be a string');
    out[k] = v;
  }
  return out;
}

function text(value: unknown, pointer: string, required = true): string {
  if (typeof value === 'string' && (value !== '' || !required)) return value;
  throw bad(pointer, required ? 'must be a non-empty string' : 'must be a string');
}

/** Checks a Debug request's shape; every refusal names its JSON pointer. */
export function parseDebugRequest(body: unknown): DebugRequest {
  if (!isObject(body)) throw bad('', 'the body is a JSON object: { api, stage, caller, path?, query?, headers?, form?, body? }');
  const known = ['api', 'stage', 'caller', 'path', 'query', 'headers', 'form', 'body', 'method'];
  for (const k of Object.keys(body)) if (!known.includes(k)) throw bad(`/${k}`, `unknown field; a Debug request takes ${known.join(', ')}`);
  const api = text(body['api'], '/api');
  if (!/^[^/]+\/[^/]+$/.test(api)) throw bad('/api', 'must be group/name');
  const stage = body['stage'];
  if (!STAGES.includes(stage as Stage)) throw bad('/stage', `must be one of ${STAGES.join(', ')}`);
  const c = body['caller'];
  if (!isObject(c)) throw bad('/caller', 'must be an object with a kind: app, appCode, keys or anonymous');
  let caller: DebugCaller;
  switch (c['kind']) {
    case 'app': {
      const use = c['use'];
      if (use !== undefined && use !== 'signature' && use !== 'appCode') throw bad('/caller/use', 'must be signature or appCode');
      caller = { kind: 'app', app: text(c['app'], '/caller/app'), ...(use === undefined ? {} : { use }) };
      break;
    }
    case 'appCode':
      caller = { kind: 'appCode', appCode: text(c['appCode'], '/caller/appCode') };
      break;
    case 'keys':
      caller = { kind: 'keys', appKey: text(c['appKey'], '/caller/appKey'), appSecret: text(c['appSecret'], '/caller/appSecret') };
      break;
    case 'anonymous':
      caller = { kind: 'anonymous' };
      break;
    default:
      throw bad('/caller/kind', 'must be app, appCode, keys or anonymous');
  }
  const form = stringMap(body['form'], '/form');
  const raw = body['body'] === undefined ? undefined : text(body['body'], '/body', false);
  if (raw !== undefined && Object.keys(form).length > 0) throw bad('/body', 'give form fields or a raw body, not both');
  const method = body['method'] === undefined ? undefined : text(body['method'], '/method');
  return {
    api,
    stage: stage as Stage,
    caller,
    path: stringMap(body['path'], '/path'),
    query: stringMap(body['query'], '/query'),
    headers: stringMap(body['headers'], '/headers'),
    form,
    ...(raw === undefined ? {} : { body: raw }),
    ...(method === undefined ? {} : { method }),
  };
}

/** Runs a Debug call against the data plane at `dataUrl`. */
export async function runDebugCall(core: AdminCore, dataUrl: string, request: DebugRequest): Promise<DebugResult> {
  const api = await core.getResource('api', request.api);
  if (!api) throw new RuntimeError('APIGW_NOT_FOUND', `API ${request.api} does not exist`);
  const group = await core.getResource('group', api.spec.group);
  if (!group) throw new RuntimeError('APIGW_NOT_FOUND', `group ${api.spec.group} does not exist`);
  if (dataUrl === '') throw new RuntimeError('APIGW_BAD_REQUEST', 'this gateway runs no data plane in this process and was told of none (Gateway.setWorkersDataUrl); the Debug page has nothing to call');

  let credentials: CallCredentials = { kind: 'none' };
  /** Secrets the runtime put into the request, masked in what the page sees. */
  const hidden: string[] = [];
  const caller = request.caller;
  if (caller.kind === 'app') {
    const creds = await core.getCredentials(caller.app);
    if (caller.use === 'appCode') {
      credentials = { kind: 'appCode', appCode: creds.appCode };
      hidden.push(creds.appCode);
    } else credentials = { kind: 'signature', appKey: creds.appKey, appSecret: creds.appSecret };
  } else if (caller.kind === 'appCode') credentials = { kind: 'appCode', appCode: caller.appCode };
  else if (caller.kind === 'keys') credentials = { kind: 'signature', appKey: caller.appKey, appSecret: caller.appSecret };

  const form = request.form ?? {};
  const hasForm = Object.keys(form).length > 0;
  const headers: Record<string, string> = { ...request.headers };
  if (hasForm && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  const body = hasForm ? new URLSearchParams(form).toString() : request.body;
  let prepared: PreparedCall;
  try {
    prepared = prepareCall({
      group: { name: group.id, basePath: group.spec.basePath, domains: group.spec.domains },
      api: api.spec,
      stage: request.stage,
      credentials,
      pathParams: request.path ?? {},
      query: Object.entries(request.query ?? {}),
      headers,
      ...(body === undefined || body === '' ? {} : { body }),
      ...(request.method === undefined ? {} : { method: request.method }),
    });
  } catch (error) {
    if (error instanceof CallError) throw new RuntimeError('APIGW_BAD_REQUEST', error.message);
    throw error;
  }
  const mask = (value: string) => hidden.reduce((v, secret) => v.split(secret).join(MASK), value);
  const sent: DebugResult['request'] = {
    method: prepared.method,
    url: mask(`http://${prepared.host}${prepared.target}`),
    headers: Object.entries(prepared.headers).map(([k, v]) => [k, mask(v)] as const),
    body: prepared.body === undefined ? '' : mask(prepared.body.toString('utf8')),
    ...(prepared.stringToSign === undefined ? {} : { stringToSign: prepared.stringToSign }),
  };
  const started = process.hrtime.bigint();
  try {
    const response = await performCall(prepared, { gateway: dataUrl, timeoutMs: TIMEOUT_MS, maxBodyBytes: MAX_BODY_BYTES });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const error = response.gatewayError;
    const serverStringToSign = error?.code === 'A403IS' ? serverSide(error.sent) : undefined;
    return {
      request: sent,
      response: {
        status: response.status,
        headers: response.headers.map(([k, v]) => [k, mask(v)] as const),
        body: mask(response.body.toString('utf8')),
        truncated: response.truncated,
        ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
        ...(error === undefined ? {} : { gatewayError: { code: error.code, message: error.message, status: error.status, doc: error.doc, sent: error.sent } }),
        ...(serverStringToSign === undefined ? {} : { serverStringToSign }),
      },
      ms,
    };
  } catch (error) {
    return { request: sent, ms: Number(process.hrtime.bigint() - started) / 1e6, failure: (error as Error).message };
  }
}

/** The gateway's string to sign from `Invalid Signature, Server StringToSign:\`...\`` (line breaks written as `#`). */
export function serverSide(message: string): string | undefined {
  const m = /StringToSign:`([\s\S]*)`\s*$/.exec(message);
  return m ? m[1]!.replace(/#/g, '\n') : undefined;
}
