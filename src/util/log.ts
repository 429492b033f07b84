/**
 * The shared pino logger factory. JSON lines wherever the output is not a terminal (files, pipes,
 * CI); a human-readable pino-pretty rendering on a terminal. Optionally tees every record, always as
 * JSON lines, into a file (a run's train.log).
 *
 * Usage:
 *   const log = createLogger({ level: 'info', file: 'runs/x/train.log' });
 *   log.info({ iteration: 3 }, 'update done');
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';
import pretty from 'pino-pretty';

/** Levels accepted by `--log-level` (pino's names, plus 'silent'). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** Minimum level written anywhere (pino level name). */
  readonly level: LogLevel;
  /** Also append every record as a JSON line to this file (created with its directory). */
  readonly file?: string;
  /** Minimum level on the console (defaults to `level`); the file always gets `level`. */
  readonly consoleLevel?: LogLevel;
  /** Console rendering: 'auto' = pretty when stderr is a TTY, JSON lines otherwise. */
  readonly console: 'auto' | 'pretty' | 'json' | 'none';
  /**
   * Called before each console write (e.g. a progress bar clears its line), and after it with
   * `after = true` (it redraws). Only used for pretty console output.
   */
  readonly onConsoleWrite?: (after: boolean) => void;
  /** Logger name (pino `name` field). */
  readonly name: string;
}

export const LOGGER_DEFAULTS: Readonly<LoggerOptions> = Object.freeze({
  level: 'info',
  console: 'auto',
  name: 'torquepilot',
});

/** Validate a `--log-level` value; throws naming the value and the accepted ones. */
export function parseLogLevel(value: string, source = '--log-level'): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new Error(
    `${source}: unknown log level '${value}'; expected one of ${LOG_LEVELS.join(', ')}`,
  );
}

/** Wrap a stream so a progress bar can clear and redraw its line around each record. */
function bracketed(stream: DestinationStream, hook: (after: boolean) => void): DestinationStream {
  return {
    write(msg: string): void {
      hook(false);
      stream.write(msg);
      hook(true);
    },
  };
}

/**
 * Build a logger. The console goes to stderr (stdout is kept for machine-readable output such as
 * `eval --json` and progress JSON lines); the file always receives JSON lines at `level`.
 */
export function createLogger(options: Partial<LoggerOptions> = {}): Logger {
  const o: LoggerOptions = { ...LOGGER_DEFAULTS, ...options };
  const streams: pino.StreamEntry[] = [];
  const level = o.level === 'silent' ? 'fatal' : (o.level as Level);
  const cl = o.consoleLevel ?? o.level;
  const consoleLevel = (cl === 'silent' ? 'fatal' : cl) as Level;
  const mode =
    o.console === 'auto' ? (process.stderr.isTTY ? 'pretty' : 'json') : (o.console as string);
  if (o.level !== 'silent') {
    if (cl === 'silent') {
      // console off
    } else if (mode === 'pretty') {
      const stream = pretty({
        destination: 2,
        sync: true,
        colorize: true,
        translateTime: 'HH:MM:ss',
      });
      streams.push({
        level: consoleLevel,
        stream: o.onConsoleWrite ? bracketed(stream, o.onConsoleWrite) : stream,
      });
    } else if (mode === 'json') {
      streams.push({ level: consoleLevel, stream: pino.destination({ dest: 2, sync: true }) });
    }
    if (o.file !== undefined) {
      mkdirSync(dirname(o.file), { recursive: true });
      streams.push({ level, stream: pino.destination({ dest: o.file, sync: true, append: true }) });
    }
  }
  const logger = pino(
    { name: o.name, level: o.level, base: { pid: process.pid } },
    pino.multistream(streams),
  );
  return logger;
}

/** A logger that writes nothing (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
