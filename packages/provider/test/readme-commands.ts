/**
 * Reads the commands a README shows and runs them exactly as written, the
 * way a user pastes them into a shell: each command of a fenced `sh` block
 * is one `bash -c` run, or, for a walkthrough whose `export` and `cd`
 * lines carry over, typed into one bash session (`startSession`); a line
 * ending in `&` (before its comment) starts a server that keeps running
 * until `stop()`. The environment may differ from a user's (free ports,
 * the npm cache), the command text never.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

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

/**
 * The commands of a shell block (blank lines and whole-line comments
 * dropped); a command continued over lines ending in `\` is one entry,
 * its lines joined as written.
 */
export function commandsOf(block: Block): string[] {
  const commands: string[] = [];
  let continued: string | undefined;
  for (const line of block.text.split('\n')) {
    if (continued === undefined && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    const text = continued === undefined ? line : `${continued}\n${line}`;
    if (/\\$/.test(line)) continued = text;
    else {
      commands.push(text);
      continued = undefined;
    }
  }
  if (continued !== undefined) commands.push(continued);
  return commands;
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

/**
 * One bash session the lines of a README are typed into, one after the
 * other, as a user pastes a walkthrough into a terminal: `export`, `cd`
 * and shell variables carry from one line (and one block) to the next,
 * and `cmd &` starts a background job of the session.
 */
export interface Session {
  /** Runs one line and resolves when the shell is ready for the next (at once for `cmd &`); stdout and stderr are what was printed meanwhile. */
  run(line: string, timeoutMs?: number): Promise<CommandRun>;
  /** Everything printed so far, background jobs' output included. */
  output(): string;
  /** Resolves when the output printed after `since` (an `output().length`, 0 by default) matches, rejects after `timeoutMs` or when the session ends. */
  waitFor(pattern: RegExp, timeoutMs?: number, since?: number): Promise<RegExpMatchArray>;
  /** Ends the session and every job it started (its process group). */
  stop(): Promise<void>;
}

/** Starts a bash session in `cwd` (its own process group, so that stop() also ends its background jobs). */
export function startSession(cwd: string, env: NodeJS.ProcessEnv): Session {
  // The session prints into two files rather than pipes. Every process of the session shares the
  // open file description of its stdout and stderr, and a Node.js job (`apigw serve &`) makes a
  // pipe or socket there non-blocking for all of them: a later write by bash or curl into a full
  // buffer would then fail with EAGAIN and be lost. Writes to a regular file never do.
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-session-'));
  const outFile = path.join(files, 'stdout');
  const errFile = path.join(files, 'stderr');
  const [outFd, errFd] = [fs.openSync(outFile, 'w'), fs.openSync(errFile, 'w')];
  const child = spawn('bash', ['--noprofile', '--norc'], { cwd, env, detached: true, stdio: ['pipe', outFd, errFd] });
  fs.closeSync(outFd);
  fs.closeSync(errFd);
  let all = '';
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) l();
  };
  /** Reads what was appended to a file since the last read, whole characters only. */
  const follower = (file: string, take: (text: string) => void) => {
    const fd = fs.openSync(file, 'r');
    const decoder = new StringDecoder('utf8');
    const chunk = Buffer.alloc(64 * 1024);
    let offset = 0;
    return {
      read(): boolean {
        let got = false;
        for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, offset)) > 0; offset += n) {
          take(decoder.write(chunk.subarray(0, n)));
          got = true;
        }
        return got;
      },
      close: () => fs.closeSync(fd),
    };
  };
  const followers = [
    follower(outFile, (text) => {
      stdout += text;
      all += text;
    }),
    follower(errFile, (text) => {
      stderr += text;
      all += text;
    }),
  ];
  const readAll = () => {
    const out = followers[0]!.read();
    const err = followers[1]!.read();
    if (out || err) changed();
  };
  const poller = setInterval(readAll, 25);
  poller.unref();
  let ended = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      clearInterval(poller);
      readAll();
      ended = true;
      changed();
      resolve();
    }),
  );
  /** Resolves with the match once `test()` finds one, rejects on timeout or when bash has exited. */
  const until = <T>(test: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const got = test();
        if (got !== undefined) {
          done();
          resolve(got);
        } else if (ended) {
          done();
          reject(new Error(`the shell ended before ${what}:\n${all}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} did not happen within ${timeoutMs} ms:\n${all}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  let count = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const session: Session = {
    run(line, timeoutMs = 240_000) {
      const next = queue.then(async () => {
        // A marker printed after the line on both streams says where its output ends, with its exit status.
        const mark = `__readme_session_${process.pid}_${++count}__`;
        const [outFrom, errFrom] = [stdout.length, stderr.length];
        child.stdin!.write(`${line}\nprintf '\\n${mark} %d\\n' $? ; printf '\\n${mark}\\n' >&2\n`);
        const markOut = new RegExp(`\\n${mark} (\\d+)\\n`);
        const status = await until(() => markOut.exec(stdout.slice(outFrom)) ?? undefined, timeoutMs, `\`${line}\` finishing`);
        await until(() => (stderr.includes(`\n${mark}\n`, errFrom) ? true : undefined), timeoutMs, `\`${line}\` finishing`);
        return {
          command: line,
          status: Number(status[1]),
          stdout: stdout.slice(outFrom, outFrom + status.index!),
          stderr: stderr.slice(errFrom, stderr.indexOf(`\n${mark}\n`, errFrom)),
        };
      });
      queue = next.catch(() => undefined);
      return next;
    },
    output: () => all,
    waitFor(pattern, timeoutMs = 60_000, since = 0) {
      return until(() => all.slice(since).match(pattern) ?? undefined, timeoutMs, `output matching ${pattern}`);
    },
    async stop() {
      if (!ended) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        const late = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 10_000);
        await exited;
        clearTimeout(late);
      }
      // Background jobs that outlived the shell (they share its process group).
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // none left
      }
      for (const f of followers) f.close();
      fs.rmSync(files, { recursive: true, force: true });
    },
  };
  return session;
}
