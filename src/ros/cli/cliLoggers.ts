/**
 * The loggers the ROS commands hand to the transports and nodes (NodeLogger): the console until a
 * run's pino logger exists, then that logger. One place, so every command logs alike.
 */
import type { Logger } from 'pino';
import type { NodeLogger } from '../transport/index.js';

/** Until a run's logger exists: the console (stderr: stdout is for JSON lines). */
export const consoleLog: NodeLogger = {
  debug: (m) => process.stderr.write(`${m}\n`),
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`${m}\n`),
  error: (m) => process.stderr.write(`${m}\n`),
};

/** pino → the transports' NodeLogger. */
export function nodeLogger(logger: Logger): NodeLogger {
  return {
    debug: (m) => logger.debug(m),
    info: (m) => logger.info(m),
    warn: (m) => logger.warn(m),
    error: (m) => logger.error(m),
  };
}
