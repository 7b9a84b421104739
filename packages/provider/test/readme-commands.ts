/**
 * Reads the commands a README shows and runs them exactly as written, the
 * way a user pastes them into a shell: each line of a fenced `sh` block
 * is one `bash -c` run; a line ending in `&` (before its comment) starts a
 * server that keeps running until `stop()`. The environment may differ
 * from a user's (ephemeral ports, the npm cache), the command text never.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

/** One fenced block of a README. */
export interface Block {
  readonly lang: string;
  readonly text: string;
}

/** The fenced blocks under the `## heading` (up to the next `## `), in order. */
export function blocksUnder(readmeFile: string, heading: string): Block[] {
  const text = fs.readFileSync(readmeFile, 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${readmeFile} has no section "## ${heading}"`);
  const rest = text.slice(start + 1);
  const next = rest.indexOf('\n## ', 4);
  const section = next < 0 ? rest : rest.slice(0, next);
  return [...section.matchAll(/^```(\w*)\n([^]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** The fenced blocks before the first `## ` heading (a README's opening lines). */
export function preambleBlocks(readmeFile: string): Block[] {
  const text = fs.readFileSync(readmeFile, 'utf8');
  const end = text.indexOf('\n## ');
  return [...(end < 0 ? text : text.slice(0, end)).matchAll(/^```(\w*)\n([^]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** A command line without its trailing comment (`cmd   # what it does` -> `cmd`). */
export function withoutComment(line: string): string {
  return line.replace(/\s+#.*$/, '').trim();
}

/** The command lines of a shell block (blank lines and whole-line comments dropped). */
export function commandsOf(block: Block): string[] {
  return block.text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

/** What one command did. */
export interface CommandRun {
  readonly command: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A background command (`cmd &`) and how to stop it. */
export interface Background {
  readonly command: string;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves when its output matches, rejects when it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Stops it and everything it started (its process group). */
  stop(): Promise<void>;
}

/** Whether the line starts a background process (`... &  # comment`). */
export function isBackground(line: string): boolean {
  return /&\s*(#.*)?$/.test(line) && !/&&\s*(#.*)?$/.test(line);
}

/** Runs one command line with bash in `cwd` (asynchronously: servers in the test process keep answering). */
export function runCommand(line: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<CommandRun> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => (stderr += String(e)));
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ command: line, status, stdout, stderr });
    });
  });
}

/** Starts a `cmd &` line in its own process group (so that stop() ends npx and what it runs). */
export function startBackground(line: string, cwd: string, env: NodeJS.ProcessEnv): Background {
  const command = line.replace(/&\s*(#.*)?$/, '').trim();
  const child = spawn('bash', ['-c', `exec ${command}`], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    command: line,
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const onExit = () => {
          cleanup();
          reject(new Error(`${command} exited before printing ${pattern}:\n${out}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${command} did not print ${pattern} within ${timeoutMs} ms:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        await exited;
      }
    },
  };
}
