/**
 * The streams and environment a CLI run uses, so tests can run the CLI in-
 * process with their own.
 */
import * as readline from 'node:readline';

/** The streams and environment a CLI run uses; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Asks a question on the terminal and resolves with the trimmed answer. */
export function ask(io: CliIo, question: string): Promise<string> {
  const rl = readline.createInterface({ input: io.stdin, output: io.stdout, terminal: io.stdin.isTTY === true });
  return new Promise((resolve) => {
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer.trim());
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}
