/** How output may be decorated. */
export interface RenderOptions {
  /** ANSI colors (only on a terminal, never with NO_COLOR). */
  readonly color: boolean;
}

/** Whether a stream should get colors: a TTY, and NO_COLOR unset or empty (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;

/** A painter that colors text, or leaves it alone when colors are off. */
export type Paint = (style: keyof typeof CODES, text: string) => string;

/** The painter for some options. */
export function painter(options: RenderOptions): Paint {
  return options.color ? (style, text) => `\u001b[${CODES[style]}m${text}\u001b[0m` : (_style, text) => text;
}
