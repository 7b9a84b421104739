/**
 * Every command a README shows is run by a test as written: each shell
 * command of each tracked README (fenced `sh`, `bash`, `shell` or
 * `console` blocks, indented ones in lists included; generated CDKTF
 * binding READMEs left out) must be claimed in `readme-registry.ts`, and
 * each claim must hold — the claiming test file reads that README section
 * through `readme-commands.ts`, the CI script has the claimed lines, an
 * exception names a command the README really shows. Commands cannot hide
 * from it: a fenced block without a language, or tagged as plain text,
 * whose lines read as shell commands, and an indented code block that
 * does, are refused (fence commands as ```sh).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CANNOT_RUN, CI_CLAIMS, TEST_CLAIMS, claims } from '../readme-registry';

const root = path.resolve(__dirname, '../../../..');
const SHELLS = new Set(['sh', 'bash', 'shell', 'console']);
/** Languages that say nothing about what a block holds: commands in them would escape the guard. */
const PLAIN = new Set(['', 'text', 'txt', 'plain', 'plaintext']);

/** One shell command of a README, with the `## ` section it is in (`null` before the first). */
interface Shown {
  readonly readme: string;
  readonly heading: string | null;
  readonly command: string;
}

/** Commands a user would type (after any `$ ` prompt and `VAR=value` prefixes). */
const COMMAND =
  /^(\$ )?([A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(sudo\s+)?(npm|npx|node|bash|sh|curl|cd|export|apigw|cdktf|terraform|pulumi|python3?|docker|git|psql|kill|wrk|nginx|make|apt-get|apt|source|tsc|jest)(\s|$)/;

/**
 * Whether the lines of a block read as shell commands: a line starts with a
 * command, and none is a usage synopsis (`[--option]`, which a usage block
 * shows and nobody runs).
 */
function looksLikeCommands(lines: readonly string[]): boolean {
  const text = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return text.some((l) => COMMAND.test(l)) && !text.some((l) => /\[-/.test(l));
}

/** A README's shell commands, and the places where commands sit outside a shell block. */
function scan(readme: string): { shown: Shown[]; hidden: string[] } {
  const text = fs.readFileSync(path.join(root, readme), 'utf8');
  const shown: Shown[] = [];
  const hidden: string[] = [];
  let heading: string | null = null;
  let block: { lang: string; indent: string; lines: string[]; at: number } | undefined;
  let indented: { lines: string[]; at: number } | undefined;
  let previous = '';
  let inList = false;
  const endIndented = () => {
    if (indented && looksLikeCommands(indented.lines))
      hidden.push(`${readme}:${indented.at}: an indented code block holds commands; fence it as \`\`\`sh so that a test must run them`);
    indented = undefined;
  };
  text.split('\n').forEach((line, i) => {
    const fence = /^(\s*)```(\w*)\s*$/.exec(line);
    if (block) {
      if (fence) {
        if (SHELLS.has(block.lang)) {
          const joined = block.lines.map((l) => (l.startsWith(block!.indent) ? l.slice(block!.indent.length) : l)).join('\n').replace(/\\\n\s*/g, '');
          for (const raw of joined.split('\n')) {
            const command = raw.replace(/^\$ /, '').replace(/\s+#.*$/, '').trim();
            if (command !== '' && !command.startsWith('#')) shown.push({ readme, heading, command });
          }
        } else if (PLAIN.has(block.lang) && looksLikeCommands(block.lines))
          hidden.push(`${readme}:${block.at}: a fenced block ${block.lang === '' ? 'without a language' : `tagged ${block.lang}`} holds commands; tag it sh so that a test must run them`);
        block = undefined;
      } else block.lines.push(line);
      return;
    }
    // Markdown's indented code block: four spaces after a blank line, outside a list.
    if (/^( {4}|\t)/.test(line) && line.trim() !== '' && (indented || (previous.trim() === '' && !inList))) {
      indented ??= { lines: [], at: i + 1 };
      indented.lines.push(line);
    } else if (line.trim() !== '') endIndented();
    if (fence) block = { lang: fence[2]!, indent: fence[1]!, lines: [], at: i + 1 };
    else if (line.startsWith('## ')) heading = line.slice(3).trim();
    if (/^\s*([-*+]|\d+[.)])\s/.test(line)) inList = true;
    else if (/^\S/.test(line)) inList = false;
    previous = line;
  });
  endIndented();
  return { shown, hidden };
}

const readmes = execFileSync('git', ['ls-files', '*README.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('packages/provider/src/cdktf/generated/'));
const scanned = readmes.map(scan);
const shown = scanned.flatMap((r) => r.shown);
const key = (x: { readme: string; command: string }) => `${x.readme}: ${x.command}`;

describe('README commands', () => {
  it('finds the READMEs and their commands', () => {
    expect(readmes).toContain('README.md');
    expect(readmes).toContain('examples/quickstart/README.md');
    expect(shown.length).toBeGreaterThan(20);
  });

  it('shows every command in a shell block: none in an untagged or plain-text block, none in an indented code block', () => {
    expect(scanned.flatMap((r) => r.hidden)).toEqual([]);
  });

  it('each command is claimed by a test that runs it, by CI, or by a listed exception', () => {
    const ci = new Set(CI_CLAIMS.map(key));
    const excepted = new Set(CANNOT_RUN.map(key));
    const unclaimed = shown
      .filter((s) => !TEST_CLAIMS.some((c) => claims(c, s)))
      .filter((s) => !ci.has(key(s)) && !excepted.has(key(s)))
      .map((s) => `${s.readme} (${s.heading === null ? 'opening' : `## ${s.heading}`}): ${s.command}`);
    expect(unclaimed).toEqual([]);
  });

  it.each(TEST_CLAIMS.map((c) => [c.readme, c.heading ?? '(opening)', c.test, c]))('%s %s is run by %s through the shared helpers', (_r, _h, _t, claim) => {
    const c = claim as (typeof TEST_CLAIMS)[number];
    expect(shown.some((s) => claims(c, s))).toBe(true);
    for (const command of c.commands ?? []) expect([command, shown.some((s) => s.readme === c.readme && s.heading === c.heading && s.command === command)]).toEqual([command, true]);
    const source = fs.readFileSync(path.join(root, c.test), 'utf8');
    expect(source).toMatch(/from '(\.\.\/)+(provider\/test\/)?readme-commands'/);
    expect(source).toContain(`'${c.readme}'`);
    if (c.heading === null) expect(source).toContain('preambleBlocks(');
    else expect(source).toMatch(new RegExp(`blocksUnder\\([^;]*'${c.heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));
    // Runs them: line by line, typed into one shell session, or as one shell script.
    expect(source).toMatch(/runCommand\(|startBackground\(|startSession\(|spawn\('bash', \['-c', block!?\.text\]/);
  });

  it.each(CI_CLAIMS.map((c) => [c.readme, c.command, c.script, c]))('%s: `%s` is what %s runs', (_r, _c, _s, claim) => {
    const c = claim as (typeof CI_CLAIMS)[number];
    expect(shown.some((s) => key(s) === key(c))).toBe(true);
    const lines = fs.readFileSync(path.join(root, c.script), 'utf8').split('\n').map((l) => l.trim());
    let at = -1;
    for (const line of c.lines) {
      const next = lines.indexOf(line, at + 1);
      expect([line, next > at]).toEqual([line, true]);
      at = next;
    }
  });

  it('lists as exceptions exactly the commands that cannot run: no stale entry, none also claimed', () => {
    const stale = CANNOT_RUN.filter((e) => {
      const matches = shown.filter((s) => key(s) === key(e));
      return matches.length === 0 || matches.every((s) => TEST_CLAIMS.some((c) => claims(c, s)));
    });
    expect(stale.map(key)).toEqual([]);
    for (const e of CANNOT_RUN) expect(e.reason.length).toBeGreaterThan(20);
  });

  it('the commands that cannot run here are the Pulumi walkthrough, and its README says why', () => {
    expect(new Set(CANNOT_RUN.map((e) => e.readme))).toEqual(new Set(['examples/pulumi/README.md']));
    expect(CANNOT_RUN.map((e) => e.command).sort()).toEqual(shown.filter((s) => s.readme === 'examples/pulumi/README.md').map((s) => s.command).sort());
    const pulumi = fs.readFileSync(path.join(root, 'examples/pulumi/README.md'), 'utf8');
    expect(pulumi).toMatch(/no test runs these commands/i);
  });
});
