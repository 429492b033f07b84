/**
 * What `torquepilot actor` and `torquepilot learner` share (actorCli.ts, learnerCli.ts): the
 * train config both build their networks from (so that actor and learner networks have the same
 * shape), the logger, the shutdown handling and the learner's run directory.
 *
 * SIGINT/SIGTERM (util/shutdownSignals.ts, however many copies arrive): the first one sets the stop
 * flag; the command finishes its chunk or update, ends in order and the process exits 0.
 */
import { basename, resolve } from 'node:path';
import { modelsDir } from '../../../sim/index.js';
import { resolveTrainConfig } from '../../config/index.js';
import type { TrainConfig } from '../../config/index.js';
import { cliLayer, createRunDir, defaultRunDir, readRunConfig } from '../../train/index.js';
import { createLogger, installShutdownHandlers } from '../../util/index.js';
import type { LogLevel } from '../../util/index.js';
import { ensureRosEnvironment } from '../transport/index.js';
import type { NodeLogger } from '../transport/index.js';
import { consoleLog } from './cliLoggers.js';

/** Flags both commands share: which robot and task, and the policy config. */
export interface FleetTaskFlags {
  task?: string;
  robot?: string;
  config?: string;
  seed?: string;
  logLevel?: string;
}

/** The resolved train config of a fleet command (resume: the run's own). */
export function fleetConfig(flags: FleetTaskFlags, resumeDir?: string): TrainConfig {
  if (resumeDir !== undefined) return readRunConfig(resumeDir);
  return resolveTrainConfig({
    modelsDir: modelsDir(),
    ...(flags.config !== undefined ? { configFile: flags.config } : {}),
    cli: cliLayer({
      task: flags.task,
      robot: flags.robot,
      seed: flags.seed,
      logLevel: flags.logLevel,
    }),
  }).config;
}

/** A pino logger for a fleet process: JSON on stderr at `warn` unless --log-level says otherwise. */
export function fleetLogger(config: TrainConfig, flags: FleetTaskFlags, file?: string) {
  const level: LogLevel = config.log.level;
  return createLogger({
    level,
    ...(file !== undefined ? { file } : {}),
    console: 'json',
    consoleLevel:
      flags.logLevel === undefined && (level === 'info' || level === 'debug' || level === 'trace')
        ? 'warn'
        : level,
  });
}

/**
 * Run `body` with the shutdown handlers installed: the first signal sets the stop flag and the
 * process exits once `body` has finished.
 */
export async function withShutdown(
  name: string,
  forceQuitMessage: string,
  body: (stopRequested: () => boolean, useLog: (log: NodeLogger) => void) => Promise<void>,
): Promise<void> {
  await ensureRosEnvironment();
  let stop = false;
  let log: NodeLogger = consoleLog;
  let resolveFinished: (code: number) => void = () => undefined;
  const finished = new Promise<number>((r) => (resolveFinished = r));
  const shutdown = installShutdownHandlers({
    name,
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
    forceQuitMessage,
    onShutdown: (signal) => {
      stop = true;
      log.warn(`${signal}: stopping`);
      return finished;
    },
  });
  try {
    await body(
      () => stop,
      (l) => (log = l),
    );
    resolveFinished(0);
  } catch (err) {
    if (shutdown.signal() !== null) log.error(`${name} failed: ${(err as Error).message}`);
    resolveFinished(1);
    throw err;
  } finally {
    if (shutdown.signal() === null) shutdown.dispose();
  }
}

/** Where a learner run lives: --resume, --run-dir, or train's default with a suffix. */
export function learnerRunDir(
  flags: { runDir?: string; resume?: string },
  config: TrainConfig,
): { dir: string; fresh: boolean } {
  if (flags.resume !== undefined) return { dir: resolve(flags.resume), fresh: false };
  const dir = resolve(flags.runDir ?? `${defaultRunDir(config)}-learner`);
  createRunDir(dir, config);
  return { dir, fresh: true };
}

/** The learner's id on the wire: its run directory's name. */
export const learnerId = (runDir: string): string => basename(runDir);
