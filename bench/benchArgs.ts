/**
 * Command-line options of the bench scripts, through Node's own parser (`node:util` parseArgs,
 * strict: an unknown option or a missing value is an error naming it), plus the number and list
 * conversions every bench needs, whose errors name the bench, the option and the value.
 */
import { parseArgs } from 'node:util';

/** One option as parseArgs takes it: every bench option is a string or a boolean flag. */
export type BenchOption = { type: 'string'; default?: string } | { type: 'boolean' };

type Values<O extends Record<string, BenchOption>> = {
  [K in keyof O]: O[K] extends { type: 'boolean' }
    ? boolean | undefined
    : O[K] extends { default: string }
      ? string
      : string | undefined;
};

/**
 * Parse `argv` (default: the process's arguments) against `options`. Throws
 * "bench/<name>: <parser message>" on an unknown option, a missing value or a positional argument.
 */
export function benchArgs<O extends Record<string, BenchOption>>(
  bench: string,
  options: O,
  argv: readonly string[] = process.argv.slice(2),
): Values<O> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false })
      .values as unknown as Values<O>;
  } catch (err) {
    throw new Error(`bench/${bench}: ${(err as Error).message}`);
  }
}

export interface NumberRule {
  readonly integer?: boolean;
  /** > 0 (for durations and rates, where min would have to be the smallest float). */
  readonly positive?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** `raw` as a number obeying `rule`; the error names the bench, `--option` and the value. */
export function numberArg(
  bench: string,
  option: string,
  raw: string,
  rule: NumberRule = {},
): number {
  const x = Number(raw);
  const wanted = [
    rule.positive
      ? rule.integer
        ? 'a positive integer'
        : 'a positive number'
      : rule.integer
        ? 'an integer'
        : 'a number',
    rule.min !== undefined ? `≥ ${rule.min}` : '',
    rule.max !== undefined ? `≤ ${rule.max}` : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
  const ok =
    raw.trim() !== '' &&
    !Number.isNaN(x) &&
    (!rule.integer || Number.isInteger(x)) &&
    (!rule.positive || x > 0) &&
    (rule.min === undefined || x >= rule.min) &&
    (rule.max === undefined || x <= rule.max);
  if (!ok) throw new Error(`bench/${bench}: --${option} = '${raw}': expected ${wanted}`);
  return x;
}

/** A comma-separated list of numbers, each obeying `rule` (e.g. `--seeds 0,1,2`). */
export function numberListArg(
  bench: string,
  option: string,
  raw: string,
  rule: NumberRule = {},
): number[] {
  return raw.split(',').map((s) => numberArg(bench, option, s, rule));
}
