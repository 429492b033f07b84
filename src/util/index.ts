/** Public API of src/util. */
export { renameDirAtomic, writeFileAtomic } from './atomicWrite.js';
export { collectGarbage } from './gc.js';
export { LOG_LEVELS, createLogger, parseLogLevel } from './log.js';
export type { LogLevel } from './log.js';
export { Random } from './random.js';
export type { RandomState } from './random.js';
export { installShutdownHandlers, SHUTDOWN_DEFAULTS } from './shutdownSignals.js';
export type {
  ShutdownHandle,
  ShutdownLog,
  ShutdownOptions,
  ShutdownOutcome,
  SignalSource,
} from './shutdownSignals.js';
