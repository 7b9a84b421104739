/**
 * The `apigw` command line: its commands and options (commander), each
 * action written against CliIo so it runs the same from a terminal and from
 * tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { canonicalJson, kindInfo, resourceCount } from '@apigw/schema';
import type { BatchResult, GatewayClient, HttpGatewayClient } from '@apigw/runtime';
import { exportDocument, readLiveState, stacksOf } from '../actual';
import { applyPlan, checkPlan, readPlanFile, writePlanFile } from '../apply';
import { tfJsonSource } from '../cdktf/tf-json-source';
import { DOCUMENT_SOURCES, isTypeScript, loadDocument, typeCheck, type LoadedDocument } from '../desired';
import { computeDestroyPlan, computePlan, isEmptyPlan, type Plan, type PlanEvent, type PlanSummary } from '../diff';
import { ApprovalRequiredError, PlanRefusedError, StackEmptyError, TypeErrorsError, UsageError } from '../errors';
import { renderHuman, renderJson, renderMarkdown, useColor } from '../render';
import { describe as describeBlock, resourceBlocks, symbolOf } from '../render/human';
import { collect, DEFAULT_GATEWAY, runCall, type CallCommandOptions } from './call-command';
import { connect, DEFAULT_ENDPOINT, type ConnectionOptions } from './connection';
import { ask, type CliIo } from './io';

/** What `-f` reads: a synthesized CDKTF stack, then the core's sources (a JSON document, a constructs program). */
const SOURCES = [tfJsonSource, ...DOCUMENT_SOURCES];

/** Exit codes, as Terraform's: 0 success (no changes), 1 error, 2 changes present (with --detailed-exitcode). */
export const EXIT = { OK: 0, ERROR: 1, CHANGES: 2 } as const;

/** What a command's action reports back to main. */
interface RunState {
  exitCode: number;
}

/** How many resources an apply result lists before summarizing the rest. */
const RESULT_LINES = 50;

/**
 * The `apigw` command (see "The command" in this package's README), writing to `io`. Actions
 * set `state.exitCode`; errors propagate to the caller, which prints them.
 */
export function buildProgram(io: CliIo, state: RunState): Command {
  const out = (text: string) => io.stdout.write(text);
  const program = new Command('apigw')
    .description('Manage an apigw API gateway as code: validate, plan and apply documents and constructs programs.')
    .addOption(new Option('--endpoint <url>', `admin API endpoint (env APIGW_ENDPOINT, default ${DEFAULT_ENDPOINT})`))
    .addOption(new Option('--token <token>', 'admin token (env APIGW_TOKEN)'))
    .addOption(new Option('--ca <file>', 'PEM file of the CA of an https:// admin endpoint (env APIGW_CA)'))
    .addOption(new Option('--data-dir <dir>', 'gateway data directory to read admin.token from (env APIGW_DATA_DIR, default ./.apigw)'))
    .version(packageVersion(), '-V, --version', 'print the apigw version')
    .option('--debug', 'on an error, print the whole stack trace')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run apigw help for usage)');

  const connection = (cmd: Command): ConnectionOptions => cmd.optsWithGlobals<ConnectionOptions>();
  const withClient = async <T>(cmd: Command, fn: (client: GatewayClient) => Promise<T>): Promise<T> => {
    const client: HttpGatewayClient = connect(connection(cmd), io.env);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  };

  /**
   * Loads a document for review: a TypeScript program is type-checked first
   * (jiti, which runs it, does not), unless --no-type-check.
   */
  const loadReviewed = async (file: string, typeChecked: boolean): Promise<LoadedDocument> => {
    if (typeChecked && isTypeScript(file)) {
      const result = typeCheck(file);
      if (!result.checked) io.stderr.write(`Note: ${file} was not type-checked: ${result.reason}. Unknown construct props are still refused when it runs.\n`);
      else if (result.errors.length > 0) throw new TypeErrorsError(file, result.errors);
    }
    return loadDocument(file, SOURCES);
  };

  program
    .command('validate')
    .description('check a document or constructs program (types, schema and document rules); talks to no gateway')
    .requiredOption('-f, --file <file>', 'gateway.json, or a constructs program (.ts/.js)')
    .option('--no-type-check', 'do not type-check a .ts program')
    .action(async (opts: { file: string; typeCheck: boolean }) => {
      const { document } = await loadReviewed(opts.file, opts.typeCheck);
      const count = resourceCount(document);
      out(`${opts.file} is valid: stack ${document.stack}, ${count} resource${count === 1 ? '' : 's'}.\n`);
    });

  program
    .command('synth')
    .description('print (or write) the document a constructs program synthesizes, validated and canonical')
    .argument('[program]', 'constructs program (.ts/.js) or document')
    .option('-f, --file <file>', 'the same as the argument')
    .option('-o, --output <file>', 'write the document to this file')
    .action(async (arg: string | undefined, opts: { file?: string; output?: string }) => {
      const file = arg ?? opts.file;
      if (!file) throw new CommanderError(1, 'apigw.missingArgument', 'error: synth needs a program: apigw synth app.ts [-o gateway.json]');
      const { document } = await loadDocument(file, SOURCES);
      const text = `${canonicalJson(document, 2)}\n`;
      if (opts.output) {
        fs.writeFileSync(opts.output, text);
        out(`Wrote ${opts.output} (stack ${document.stack}).\n`);
      } else out(text);
    });

  program
    .command('plan')
    .description('show what apply would change')
    .requiredOption('-f, --file <file>', 'gateway.json, or a constructs program (.ts/.js)')
    .option('--out <file>', 'save the plan; apigw apply FILE applies exactly it')
    .option('--json', 'print the plan as JSON (schema/plan.schema.json)')
    .option('--markdown', 'print the plan as Markdown, for a pull-request comment')
    .option('--detailed-exitcode', 'exit 2 when the plan has changes, 0 when it has none')
    .option('--adopt', 'take over resources the document names that another stack, or nobody, owns')
    .option('--no-type-check', 'do not type-check a .ts program')
    .action(async (opts: { file: string; out?: string; json?: boolean; markdown?: boolean; detailedExitcode?: boolean; adopt?: boolean; typeCheck: boolean }, cmd: Command) => {
      const loaded = await loadReviewed(opts.file, opts.typeCheck);
      let refused: PlanRefusedError | undefined;
      const plan = await withClient(cmd, async (client) => {
        const planned = computePlan(loaded.document, await readLiveState(client), { adopt: opts.adopt === true });
        // The gateway checks the batch as apply would send it, so a plan that apply would meet with a refusal is an error now.
        try {
          await checkPlan(client, { stack: planned.stack, revision: planned.revision, operations: planned.operations });
        } catch (error) {
          if (!(error instanceof PlanRefusedError)) throw error;
          refused = error;
        }
        return planned;
      });
      if (opts.json) out(renderJson(plan));
      else if (opts.markdown) out(renderMarkdown(plan));
      else out(renderHuman(plan, { color: useColor(io.stdout, io.env) }));
      if (refused !== undefined) {
        if (opts.markdown) out(`\n**Plan errors**: the gateway would refuse this plan; merging it would apply nothing.\n\n${refused.details.map((d) => `- ${d}`).join('\n')}\n`);
        else if (!opts.json) out('\n');
        throw refused;
      }
      if (opts.out) {
        writePlanFile(opts.out, plan, loaded.file);
        if (!opts.json && !opts.markdown) out(`\nSaved the plan to ${opts.out}. To apply exactly this plan: apigw apply ${opts.out}\n`);
      }
      if (opts.detailedExitcode && !isEmptyPlan(plan)) state.exitCode = EXIT.CHANGES;
    });

  program
    .command('apply')
    .description('make the gateway match a document (one atomic batch), or apply a saved plan')
    .argument('[plan]', 'a plan saved by apigw plan --out')
    .option('-f, --file <file>', 'gateway.json, or a constructs program (.ts/.js)')
    .option('--auto-approve', 'apply without asking')
    .option('--adopt', 'take over resources the document names that another stack, or nobody, owns')
    .action(async (planFile: string | undefined, opts: { file?: string; autoApprove?: boolean; adopt?: boolean }, cmd: Command) => {
      if ((planFile === undefined) === (opts.file === undefined))
        throw new CommanderError(1, 'apigw.usage', 'error: apply takes either -f FILE or a saved plan: apigw apply -f gateway.json | apigw apply plan.json');
      await withClient(cmd, async (client) => {
        if (planFile !== undefined) {
          if (!looksLikePlan(planFile)) throw new UsageError(`${planFile} is a document or program, not a saved plan: did you mean apigw apply -f ${planFile}?`);
          const saved = await readPlanFile(planFile, SOURCES);
          out(`Applying the saved plan ${planFile} (stack ${saved.stack}, planned against revision ${saved.revision}).\n`);
          const result = await applyWithProgress(client, saved.stack, saved.revision, saved.operations);
          out(resultText(saved.events, saved.summary, result));
          return;
        }
        const loaded = await loadDocument(opts.file!, SOURCES);
        const plan = computePlan(loaded.document, await readLiveState(client), { adopt: opts.adopt === true });
        await confirmAndApply(client, plan, 'apply', opts.autoApprove === true);
      });
    });

  program
    .command('destroy')
    .description("delete everything the document's stack owns")
    .requiredOption('-f, --file <file>', 'gateway.json, or a constructs program (.ts/.js): names the stack')
    .option('--auto-approve', 'destroy without asking')
    .action(async (opts: { file: string; autoApprove?: boolean }, cmd: Command) => {
      const loaded = await loadDocument(opts.file, SOURCES);
      await withClient(cmd, async (client) => {
        const plan = computeDestroyPlan(loaded.document.stack, await readLiveState(client));
        await confirmAndApply(client, plan, 'destroy', opts.autoApprove === true);
      });
    });

  program
    .command('export')
    .description('print the live state of a stack as a document (applying it plans no change)')
    .option('--stack <name>', 'the stack to export (required when several stacks own resources)')
    .option('-o, --output <file>', 'write the document to this file')
    .action(async (opts: { stack?: string; output?: string }, cmd: Command) => {
      const doc = await withClient(cmd, async (client) => {
        const live = await readLiveState(client);
        const stacks = stacksOf(live);
        if (opts.stack !== undefined && !stacks.includes(opts.stack)) throw new StackEmptyError(opts.stack, stacks);
        return exportDocument(live, opts.stack);
      });
      const text = `${canonicalJson(doc, 2)}\n`;
      if (opts.output) {
        fs.writeFileSync(opts.output, text);
        out(`Wrote ${opts.output} (stack ${doc.stack}).\n`);
      } else out(text);
    });

  program
    .command('credentials')
    .description("print an app's AppKey, AppSecret and AppCode, or rotate them (--rotate [--grace 24h])")
    .argument('<app>', 'the app name')
    .option('--json', 'print them as JSON')
    .option('--rotate', 'replace the AppSecret and AppCode (the AppKey stays); the old pair keeps working for --grace')
    .option('--grace <duration>', 'with --rotate: how long the old pair keeps working (30s, 15m, 24h, 7d; 0 stops it at once; at most 30d)', '24h')
    .action(async (app: string, opts: { json?: boolean; rotate?: boolean; grace: string }, cmd: Command) => {
      const graceGiven = cmd.getOptionValueSource('grace') === 'cli';
      if (graceGiven && !opts.rotate) throw new UsageError('--grace goes with --rotate: apigw credentials APP --rotate --grace 24h');
      const graceSeconds = parseDuration(opts.grace, '--grace');
      const c = await withClient(cmd, (client) => (opts.rotate ? client.rotateCredentials(app, { graceSeconds }) : client.getCredentials(app)));
      if (opts.json) {
        const shown = { app: c.app, appKey: c.appKey, appSecret: c.appSecret, appCode: c.appCode, rotatedAt: c.rotatedAt, previousValidUntil: c.previousValidUntil };
        out(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      let text = `App:       ${c.app}\nAppKey:    ${c.appKey}\nAppSecret: ${c.appSecret}\nAppCode:   ${c.appCode}\n`;
      if (c.rotatedAt !== undefined) {
        const until = c.previousValidUntil;
        const now = Date.now();
        text += `Rotated:   ${c.rotatedAt}` +
          (until === undefined ? '; the previous AppSecret and AppCode stopped working then\n'
            : Date.parse(until) > now ? `; the previous AppSecret and AppCode keep working until ${until}\n`
            : `; the previous AppSecret and AppCode stopped working at ${until}\n`);
      }
      if (opts.rotate) text += `\nThe new AppSecret and AppCode work now. Move every client to them${graceSeconds > 0 ? ` before ${c.previousValidUntil}` : ''}.\n`;
      out(text);
    });

  program
    .command('call')
    .description('call an API through the data plane as an app would (signed, or with --app-code), and explain the answer')
    .argument('<target>', 'GROUP/API, e.g. shop/getUser')
    .option('--stage <stage>', 'TEST, PRE or RELEASE', 'RELEASE')
    .option('--app <app>', 'the app whose credentials sign the call (default: the one app authorized for the API in the stage)')
    .option('--app-code', "send the app's AppCode (Authorization: APPCODE) instead of a signature")
    .option('-d, --data <body>', 'request body (JSON gets Content-Type application/json)')
    .option('-H, --header <header>', "extra header 'Name: value' (repeatable)", collect, [])
    .option('--query <k=v>', 'query parameter (repeatable)', collect, [])
    .option('--path-param <k=v>', "value of the path's {k} (repeatable)", collect, [])
    .option('-X, --request <method>', "HTTP method (default: the API's)")
    .option('--gateway <url>', `data-plane address (env APIGW_GATEWAY, default ${DEFAULT_GATEWAY})`)
    .option('-v, --verbose', 'show the request headers and the string to sign')
    .action(async (target: string, opts: CallCommandOptions, cmd: Command) => {
      const outcome = await withClient(cmd, (client) => runCall(client, target, opts, io.env));
      for (const w of outcome.warnings) io.stderr.write(`Warning: ${w}\n`);
      out(outcome.text);
      if (!outcome.ok) state.exitCode = EXIT.ERROR;
    });

  program.command('serve').description('run the embedded gateway in the foreground (apigw serve --help)').allowUnknownOption().helpOption(false);

  async function confirmAndApply(client: GatewayClient, plan: Plan, command: 'apply' | 'destroy', autoApprove: boolean): Promise<void> {
    out(renderHuman(plan, { color: useColor(io.stdout, io.env) }));
    if (isEmptyPlan(plan)) return;
    if (!autoApprove) {
      if (io.stdin.isTTY !== true) throw new ApprovalRequiredError(command);
      const answer = await ask(io, `\nDo you want to ${command === 'destroy' ? 'destroy these resources' : 'perform these actions'}? Only 'yes' will be accepted: `);
      if (answer !== 'yes') {
        out(`${command === 'destroy' ? 'Destroy' : 'Apply'} cancelled; nothing was changed.\n`);
        state.exitCode = EXIT.ERROR;
        return;
      }
    }
    out('\n');
    const result = await applyWithProgress(client, plan.stack, plan.revision, plan.operations);
    out(resultText(plan.events, plan.summary, result));
  }

  async function applyWithProgress(client: GatewayClient, stack: string, revision: number, operations: Plan['operations']): Promise<BatchResult> {
    if (operations.length === 0) return { revision, dryRun: false, results: [] };
    out(`Applying ${operations.length} operation${operations.length === 1 ? '' : 's'} as one batch to stack ${stack} (revision ${revision})...\n`);
    const started = Date.now();
    const timer = setInterval(() => out(`  still applying... (${Math.round((Date.now() - started) / 1000)}s)\n`), 10_000);
    try {
      return await applyPlan(client, { stack, revision, operations });
    } finally {
      clearInterval(timer);
    }
  }

  return program;
}

/** Seconds in a duration such as `30s`, `15m`, `24h`, `7d` (a bare number is seconds). */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d{1,7})(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a duration such as 30s, 15m, 24h or 7d`);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  if (seconds > 30 * 86_400) throw new UsageError(`${flag} ${text}: at most 30d`);
  return seconds;
}

/** The version in @apigw/provider's package.json. */
function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Whether FILE can be a saved plan: a JSON file with a formatVersion. A
 * document (it has apiVersion) or a program is a mistake for `-f FILE`.
 */
function looksLikePlan(file: string): boolean {
  if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(file)) return false;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return true;
  }
  try {
    const doc = JSON.parse(text) as Record<string, unknown> | null;
    return !(typeof doc === 'object' && doc !== null && 'apiVersion' in doc && !('formatVersion' in doc));
  } catch {
    return true;
  }
}

/** What an apply changed: one line per resource, the APIs it unpublished, and the totals. */
function resultText(events: readonly PlanEvent[], summary: PlanSummary, result: BatchResult): string {
  if (result.results.length === 0) return 'No changes. Nothing to apply.\n';
  const plan = { stack: '', revision: 0, events, summary, operations: [] } as Plan;
  const blocks = resourceBlocks(plan);
  const lines = blocks.slice(0, RESULT_LINES).map((b) => {
    const e = b.main ?? b.stages[0]!;
    return `  ${symbolOf(b)} ${kindInfo(e.kind).label} ${e.id}: ${describeBlock(b).replace(/^will be /, '').replace(/must be replaced/, 'replaced')}`;
  });
  if (blocks.length > RESULT_LINES) lines.push(`  ... and ${blocks.length - RESULT_LINES} more`);
  for (const r of result.results)
    for (const u of r.unpublished ?? []) lines.push(`  ! ${kindInfo(r.kind).label} ${r.id} unpublished API ${u.api} from ${u.stage}`);
  const { add, change, destroy } = summary;
  return `${lines.join('\n')}\n\nApply complete! Resources: ${add} added, ${change} changed, ${destroy} destroyed. The gateway is at revision ${result.revision}.\n`;
}

