/**
 * `apigw call GROUP/API`: calls an API through the data plane the way an
 * app would, for debugging. The live state names the group's domain, the
 * API's path and its auth; the admin API hands over the app's credentials;
 * the runtime's call module builds, signs and sends the request.
 */
import { closestNames, type Stage } from '@apigw/schema';
import { performCall, prepareCall, type CallCredentials, type CallResponse, type GatewayClient, type PreparedCall } from '@apigw/runtime';
import { CallTargetError } from '../errors';

/** The data-plane address used when neither `--gateway` nor APIGW_GATEWAY says otherwise. */
export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

/** Options of `apigw call`, as parsed. */
export interface CallCommandOptions {
  readonly stage: string;
  readonly app?: string;
  readonly appCode?: boolean;
  readonly data?: string;
  readonly header: readonly string[];
  readonly query: readonly string[];
  readonly pathParam: readonly string[];
  readonly request?: string;
  readonly gateway?: string;
  readonly verbose?: boolean;
}

const STAGES: readonly Stage[] = ['TEST', 'PRE', 'RELEASE'];

/** Collects a repeatable option's values. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

function pairs(values: readonly string[], flag: string, separator: string): [string, string][] {
  return values.map((v) => {
    const at = v.indexOf(separator);
    if (at <= 0) throw new CallTargetError(`${flag} ${JSON.stringify(v)}: expected name${separator}value`);
    return [v.slice(0, at).trim(), separator === ':' ? v.slice(at + 1).trim() : v.slice(at + 1)];
  });
}

/** What the call printed, and whether the API answered with success. */
export interface CallOutcome {
  readonly text: string;
  /** The warnings to print on stderr (the API is not published to the stage, ...). */
  readonly warnings: readonly string[];
  readonly ok: boolean;
}

/** Runs `apigw call TARGET` against a gateway: resolves the target and credentials, sends, and renders. */
export async function runCall(client: GatewayClient, target: string, opts: CallCommandOptions, env: NodeJS.ProcessEnv): Promise<CallOutcome> {
  const stage = opts.stage.toUpperCase() as Stage;
  if (!STAGES.includes(stage)) throw new CallTargetError(`--stage ${opts.stage}: expected TEST, PRE or RELEASE`);
  const slash = target.indexOf('/');
  if (slash <= 0 || slash === target.length - 1) throw new CallTargetError(`${JSON.stringify(target)}: name the API as GROUP/API (e.g. shop/getUser)`);
  const groupName = target.slice(0, slash);
  const state = await client.getState();
  const group = state.groups.find((g) => g.id === groupName);
  if (group === undefined) throw new CallTargetError(`the gateway has no group ${groupName}${suggest(groupName, state.groups.map((g) => g.id))}`);
  const api = state.apis.find((a) => a.id === target);
  if (api === undefined) {
    const inGroup = state.apis.filter((a) => a.spec.group === groupName).map((a) => a.id);
    throw new CallTargetError(`group ${groupName} has no API ${target.slice(slash + 1)}${suggest(target, inGroup)}`);
  }
  const warnings: string[] = [];
  const published = api.published[stage];
  if (published === undefined) {
    const where = STAGES.filter((s) => api.published[s] !== undefined);
    warnings.push(`API ${target} is not published to ${stage}${where.length > 0 ? ` (it is published to ${where.join(', ')}: --stage ${where[0]})` : ''}; the gateway will not find it.`);
  } else if (published.digest !== api.digest) {
    warnings.push(`${stage} serves an older revision of ${target} than its current definition (published ${published.publishedAt}); the request is built from the current one.`);
  }

  let credentials: CallCredentials = { kind: 'none' };
  let who = 'without credentials';
  const isApp = api.spec.auth.type === 'APP';
  if (opts.app !== undefined || opts.appCode === true || isApp) {
    const appName = opts.app ?? pickApp(state.authorizations.map((a) => a.spec), target, stage);
    const creds = await client.getCredentials(appName);
    if (opts.appCode === true) {
      if (api.spec.auth.appCode === 'DISABLED') warnings.push(`API ${target} does not accept an AppCode (auth.appCode is DISABLED); expect A400AC.`);
      credentials = { kind: 'appCode', appCode: creds.appCode };
      who = `with the AppCode of app ${appName}`;
    } else {
      credentials = { kind: 'signature', appKey: creds.appKey, appSecret: creds.appSecret };
      who = `signed by app ${appName}`;
    }
  }

  const prepared = prepareCall({
    group: { name: group.id, basePath: group.spec.basePath, domains: group.spec.domains },
    api: api.spec,
    stage,
    credentials,
    pathParams: Object.fromEntries(pairs(opts.pathParam, '--path-param', '=')),
    query: pairs(opts.query, '--query', '='),
    headers: Object.fromEntries(pairs(opts.header, '-H', ':')),
    ...(opts.data !== undefined ? { body: opts.data } : {}),
    ...(opts.request !== undefined ? { method: opts.request } : {}),
  });
  const gateway = opts.gateway ?? env['APIGW_GATEWAY'] ?? DEFAULT_GATEWAY;
  const response = await performCall(prepared, { gateway });
  return { text: render(prepared, response, gateway, who, opts.verbose === true), warnings, ok: response.status < 400 };
}

/** The app to call with when none is named: the one authorized for the API in the stage. */
function pickApp(authorizations: readonly { app: string; api: string; stages: readonly string[] }[], api: string, stage: Stage): string {
  const apps = [...new Set(authorizations.filter((a) => a.api === api && a.stages.includes(stage)).map((a) => a.app))].sort();
  if (apps.length === 1) return apps[0]!;
  if (apps.length === 0) throw new CallTargetError(`no app is authorized for ${api} in ${stage}; name one with --app APP (the gateway will answer A403PR unless it is authorized)`);
  throw new CallTargetError(`several apps are authorized for ${api} in ${stage} (${apps.join(', ')}); pick one with --app`);
}

function suggest(name: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const close = closestNames(name, known);
  return close.length > 0 ? `; did you mean ${close.join(', ')}?` : ` (it has: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})`;
}

function render(call: PreparedCall, res: CallResponse, gateway: string, who: string, verbose: boolean): string {
  const lines: string[] = [];
  lines.push(`> ${call.method} http://${call.host}${call.target} (stage ${call.stage}, ${who}, via ${gateway})`);
  if (verbose) {
    for (const [k, v] of Object.entries(call.headers)) lines.push(`> ${k}: ${v}`);
    if (call.stringToSign !== undefined) {
      lines.push('', 'String to sign (each line ends with \\n; the last has none):');
      for (const l of call.stringToSign.split('\n')) lines.push(`  ${l}`);
    }
  }
  lines.push('', `< ${res.status}`);
  for (const [k, v] of res.headers) lines.push(`< ${k}: ${v}`);
  if (res.gatewayError !== undefined) {
    const e = res.gatewayError;
    lines.push('', `The gateway refused or failed the request: ${e.code} ${e.message}: ${e.doc}`);
    if (e.code === 'A403IS' && call.stringToSign !== undefined) {
      const server = /StringToSign:`([^`]*)`/.exec(e.sent)?.[1];
      if (server !== undefined && server !== call.stringToSign.replace(/\n/g, '#'))
        lines.push(`  the gateway signed:  ${server}`, `  this call signed:    ${call.stringToSign.replace(/\n/g, '#')}`);
    }
  }
  lines.push('');
  const body = res.body.toString('utf8');
  if (body.length > 0) lines.push(body.endsWith('\n') ? body.slice(0, -1) : body);
  if (res.truncated) lines.push('(body truncated)');
  return `${lines.join('\n')}\n`;
}
