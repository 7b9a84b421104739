/**
 * The kinds of file `-f` accepts (a JSON document, a constructs program, a
 * CDKTF synthesis), each turning its file into raw document data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stackFromProgram } from '@apigw/constructs';
import { ApigwError } from '@apigw/schema';
import { createJiti } from 'jiti';
import { SourceInvalidError } from '../errors';

/**
 * One kind of file `-f` accepts. A source turns the file into raw document
 * data; validation is common to every source (see loadDocument).
 */
export interface DocumentSource {
  /** What the source reads, for messages (`JSON document`). */
  readonly name: string;
  /** True when this source reads the file (by its name). */
  matches(file: string): boolean;
  /** The document the file describes; loadDocument validates it (a source may validate first, to name places in its own file's terms). */
  load(file: string): Promise<unknown>;
}

/** A JSON document (`gateway.json`). */
export const jsonSource: DocumentSource = {
  name: 'JSON document',
  matches: (file) => file.endsWith('.json'),
  load: async (file) => parseJsonFile(file),
};

/**
 * A constructs program (`app.ts`, `app.js`): its default export is a
 * GatewayStack or a function returning one; the stack is synthesized. `.ts`
 * is compiled on the fly by jiti, from local files only.
 */
export const programSource: DocumentSource = {
  name: 'constructs program',
  matches: (file) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(file),
  load: async (file) => {
    const jiti = createJiti(__filename, { moduleCache: false, fsCache: false, interopDefault: false });
    let exported: unknown;
    try {
      exported = await jiti.import(path.resolve(file));
      const stack = await stackFromProgram(exported, file);
      return stack.synth();
    } catch (error) {
      if (error instanceof ApigwError) throw error;
      const where = userFrame(error);
      throw new SourceInvalidError(
        file,
        `the program failed: ${messageOf(error)}` +
          (where === undefined ? '' : `\n  at ${path.relative(process.cwd(), where.file) || where.file}:${where.line}:${where.column}`) +
          '\n  (apigw --debug prints the whole stack)',
        { cause: error },
      );
    }
  },
};

/** A thrown value's message (errors from a program's own realm are not `instanceof Error` here). */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Frames of apigw itself and of installed packages: never the user's code. */
const NOT_USER_CODE = /[\\/]node_modules[\\/]|^node:|[\\/](schema|packages[\\/](constructs|runtime|provider))[\\/](src|dist)[\\/]/;

/**
 * The first stack frame of a thrown error that is in the user's own files
 * (not node internals, not an installed package, not apigw), so that a
 * program that throws is reported at its own file and line.
 */
export function userFrame(error: unknown): { file: string; line: number; column: number } | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?(?:\/|[A-Za-z]:[\\/])[^():]*?):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (m === null) continue;
    const file = m[1]!.replace(/^file:\/\//, '');
    if (NOT_USER_CODE.test(file)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/**
 * The sources the reconciler core reads, in order: the first whose
 * `matches` accepts the file reads it. Adapters add their own in front (the
 * CLI composes `[tfJsonSource, ...DOCUMENT_SOURCES]`), so the core imports
 * none of them.
 */
export const DOCUMENT_SOURCES: readonly DocumentSource[] = [jsonSource, programSource];

/** Reads and parses a JSON file, naming the line and column of a syntax error. */
export function parseJsonFile(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    const offset = syntaxErrorOffset(text);
    const before = text.slice(0, offset).split('\n');
    const where = `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
    throw new SourceInvalidError(file, `not valid JSON at ${where}: ${(error as Error).message}`);
  }
}

/** Offset of the first character at which `text` stops being JSON (a small recursive-descent scan). */
export function syntaxErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return typeof at === 'number' ? at : 0;
  }
}

/** Reads a text file, with a clear error when it cannot be read. */
export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceInvalidError(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`);
  }
}
