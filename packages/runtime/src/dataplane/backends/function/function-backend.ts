/**
 * FUNCTION backends. An HTTP function is proxied to its trigger URL like an
 * HTTP backend. An event function is invoked with Alibaba's API Gateway
 * event, built from what the proxy would forward, and its result becomes the
 * answer:
 *
 * - a path that is not valid percent-encoding (the event carries it
 *   decoded): 400 `I400RU`, before the body is read;
 * - not in the runtime's function table: 503 `D503SU` naming it;
 * - threw, called back with an error, crashed, ran out of memory: 502 `D502FE`;
 * - a result that is not the result shape: 502 `D502FR` saying what is wrong;
 * - past min(API timeout, function timeout): 504 `D504TO`.
 */
import { ErrorAnswer, type Exchange } from '../../exchange';
import { BodyTooLargeError } from '../../../errors';
import type { BackendModule } from '../backend-module';
import { httpTarget } from '../http';
import { poolKey, proxy, type ProxyTarget } from '../proxy';
import { buildEvent, eventPaths, parseResult, readForwardBody, type FunctionAnswer } from './event';
import type { FunctionHost } from './host';
import { ResultNotCopyable, type InvocationOutcome } from './instances';

/** What a FUNCTION environment compiles to. */
export type FunctionTarget =
  | { readonly kind: 'HTTP'; readonly proxy: ProxyTarget }
  | { readonly kind: 'EVENT'; readonly service: string; readonly function: string; readonly qualifier: string; readonly region: string; readonly name: string };

/** Longest error text of a function relayed in X-Ca-Error-Message. */
const MAX_DETAIL = 200;

function clip(text: string): string {
  return text.length > MAX_DETAIL ? text.slice(0, MAX_DETAIL) + '...' : text;
}

/** The FUNCTION module, running event functions on `host`. */
export function functionBackend(host: FunctionHost): BackendModule<FunctionTarget> {
  return {
    type: 'FUNCTION',
    compile(service, env) {
      const fn = env.function;
      if (fn === undefined) return { error: `backend service ${service.name} names no function` };
      if (fn.type === 'HTTP') {
        if (fn.url === undefined) return { error: `backend service ${service.name}'s HTTP function has no url` };
        const t = httpTarget(fn.url);
        return 'error' in t ? t : { value: { kind: 'HTTP', proxy: t.value } };
      }
      const qualifier = fn.qualifier ?? 'LATEST';
      return {
        value: { kind: 'EVENT', service: fn.service, function: fn.function, qualifier, region: fn.region ?? '', name: `${fn.service}/${fn.function}@${qualifier}` },
      };
    },
    invoke(ex: Exchange, target: FunctionTarget) {
      if (target.kind === 'HTTP') return proxy(ex, target.proxy);
      invokeEvent(host, ex, target).catch((err: unknown) => {
        ex.rt.logError(ex, err);
        if (!ex.res.headersSent) ex.sendError('INTERNAL_ERROR');
        else ex.res.destroy();
      });
    },
    origins: (t) => (t.kind === 'HTTP' ? [poolKey(t.proxy.origin, t.proxy.servername)] : []),
  };
}

async function invokeEvent(host: FunctionHost, ex: Exchange, t: Extract<FunctionTarget, { kind: 'EVENT' }>): Promise<void> {
  const fn = host.resolve(t.service, t.function, t.qualifier);
  if (fn === undefined) return ex.sendError('SERVICE_UNAVAILABLE', `: function ${t.name} is not in the runtime's functions.json`);
  const paths = eventPaths(ex);
  if (paths instanceof ErrorAnswer) return ex.refuse(paths);
  let body: Buffer;
  try {
    body = await readForwardBody(ex.fwdBody, ex.rt.maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return ex.sendError('BODY_TOO_LARGE');
    return ex.res.destroyed ? ex.done(499) : ex.sendError('INVALID_BODY');
  }
  const event = Buffer.from(JSON.stringify(buildEvent(ex, paths, body)), 'utf8');
  const timeoutMs = Math.min(ex.api!.timeoutMs, fn.timeoutMs);
  const outcome: InvocationOutcome =
    fn.kind === 'local'
      ? await host.invokeLocal(
          fn,
          event,
          {
            requestId: ex.rid,
            credentials: {},
            function: { name: t.function, handler: `${fn.file}.${fn.exportName}`, memory: fn.memoryMB, timeout: Math.ceil(fn.timeoutMs / 1000) },
            service: { name: t.service, qualifier: t.qualifier },
            region: t.region,
          },
          timeoutMs,
        )
      : await host.invokeRemote(fn, event, ex.rid, timeoutMs);
  if (ex.res.destroyed) return ex.done(499);
  if (!outcome.ok) {
    switch (outcome.reason) {
      case 'timeout':
        return ex.sendError('BACKEND_TIMEOUT', `: function ${t.name} did not answer within ${timeoutMs} ms`);
      case 'busy':
        return ex.sendError('SERVICE_UNAVAILABLE', `: function ${t.name}: ${clip(outcome.message)}`);
      default:
        return ex.sendError('FUNCTION_FAILED', `: function ${t.name} ${outcome.reason === 'crash' ? '' : 'failed: '}${clip(outcome.message)}`);
    }
  }
  if (outcome.result instanceof ResultNotCopyable) return ex.sendError('FUNCTION_RESULT_INVALID', `: function ${t.name}: ${clip(outcome.result.message)}`);
  const answer = parseResult(outcome.result);
  if (typeof answer === 'string') return ex.sendError('FUNCTION_RESULT_INVALID', `: function ${t.name}: ${answer}`);
  if (answer.body.length > ex.rt.maxResponseBytes) return ex.sendError('BACKEND_FAILED', ': response body too large');
  send(ex, answer);
}

function send(ex: Exchange, answer: FunctionAnswer): void {
  const out: string[] = [];
  for (const [k, v] of answer.headers) out.push(k, v);
  const bodiless = ex.req.method === 'HEAD' || answer.statusCode === 204 || answer.statusCode === 304;
  if (answer.statusCode !== 204 && answer.statusCode !== 304) out.push('content-length', String(answer.body.length));
  out.push('x-ca-request-id', ex.rid);
  try {
    ex.res.writeHead(answer.statusCode, out);
  } catch {
    return ex.sendError('FUNCTION_RESULT_INVALID', ': a header of the result cannot be sent');
  }
  ex.done(answer.statusCode);
  if (bodiless) ex.res.end();
  else ex.res.end(answer.body);
}
