/**
 * The `apigw` command line: `main` runs one command against the given
 * streams and resolves with its exit code (tests call it in-process);
 * `run` is what bin/apigw.js starts.
 */
import { CommanderError } from 'commander';
import { ApigwError } from '@apigw/schema';
import { AdminApiError, runServe } from '@apigw/runtime';
import { EXIT, buildProgram } from './program';
import { processIo, type CliIo } from './io';

/** Runs `apigw ARGV...`; resolves with the exit code. Never rejects. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  if (argv[0] === 'serve') return runServe(argv.slice(1), { out: io.stdout, err: io.stderr, signals: process });
  const state = { exitCode: EXIT.OK as number };
  try {
    await buildProgram(io, state).parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.OK;
      if (error.code.startsWith('apigw.')) io.stderr.write(`${error.message}\n`);
      return EXIT.ERROR;
    }
    io.stderr.write(`${errorText(error)}\n`);
    if (argv.includes('--debug')) io.stderr.write(debugText(error));
    return EXIT.ERROR;
  }
}

/** The whole stack of an error and of every cause behind it (`--debug`). */
export function debugText(error: unknown): string {
  let text = '';
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    const stack = (e as { stack?: unknown }).stack;
    text += `${depth === 0 ? '' : 'Caused by: '}${typeof stack === 'string' ? stack : String(e)}\n`;
  }
  return text;
}

/** How an error reads on the terminal: its message, its code, and a hint where one helps. */
export function errorText(error: unknown): string {
  if (error instanceof AdminApiError) {
    const hint = error.code === 'APIGW_UNREACHABLE' ? '\nIs the gateway running (apigw serve)? Set --endpoint or APIGW_ENDPOINT.' : '';
    const problems = error.problems?.length ? `\n${error.problems.map((p) => `  ${p.pointer}: ${p.message}`).join('\n')}` : '';
    return `Error: ${error.message} [${error.code}]${problems}${hint}`;
  }
  if (error instanceof ApigwError) return `Error: ${error.message} [${error.code}]`;
  return `Error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** Entry point of bin/apigw.js. */
export function run(): void {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) run();
