/**
 * `torquepilot trainer-node` (commander): `torquepilot train` as a ROS 2 node (trainerNode.ts).
 * Same training flags and run directory as `train`; the process exits when training is done, so
 * that a launch file can start the evaluation nodes on its exit (sim_training.launch.py).
 *
 * SIGINT/SIGTERM (Ctrl-C under `ros2 launch`, however many copies arrive: util/shutdownSignals.ts):
 * the runner finishes its iteration and writes a checkpoint (resumable with `torquepilot train
 * --resume <run>`), then the node shuts down in order and the process exits 0. A deliberate second
 * Ctrl-C (more than 1 s after the first) exits 130 at once, without that checkpoint.
 */
import type { Command } from 'commander';
import { getTask, modelsDir } from '../../../sim/index.js';
import { resolveTrainConfig } from '../../config/index.js';
import { addTrainRunOptions, cliLayer, doneSummary } from '../../train/index.js';
import type { TrainRunFlags } from '../../train/index.js';
import { createProgress } from '../../train/index.js';
import { createRunDir, defaultRunDir, runPaths } from '../../train/index.js';
import { train } from '../../train/index.js';
import { createLogger, installShutdownHandlers, parseLogLevel } from '../../util/index.js';
import type { LogLevel } from '../../util/index.js';
import { TRAINER_NODE_NAME, TRAINER_NODE_PARAMETERS, TRAINER_TOPICS } from '../nodes/index.js';
import { createDeploymentLoader, MujocoRobot } from '../nodes/index.js';
import { TrainerNode } from '../nodes/index.js';
import { ensureRosEnvironment, loadRclnodejsTransport } from '../transport/index.js';
import type { NodeLogger } from '../transport/index.js';
import { consoleLog, nodeLogger } from './cliLoggers.js';

interface TrainerNodeFlags extends TrainRunFlags {
  name: string;
  jointStates: boolean;
  progress: string;
  logLevel?: string;
}

async function trainerNodeAction(flags: TrainerNodeFlags): Promise<void> {
  const progressMode = flags.progress as 'json' | 'none';
  if (!['json', 'none'].includes(progressMode)) {
    throw new Error(`--progress: '${flags.progress}' is not one of json, none`);
  }
  // ROS first: this may re-execute the process with the ROS environment (before any side effect).
  await ensureRosEnvironment();
  // Then the signal handlers, before anything is built: a signal during startup stops training at
  // its first iteration boundary.
  let stopRequested = false;
  let resolveFinished: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (resolveFinished = resolve));
  let log: NodeLogger = consoleLog;
  const shutdown = installShutdownHandlers({
    name: flags.name,
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
    forceQuitMessage: 'exiting without a checkpoint (the last periodic one stays)',
    onShutdown: (signal) => {
      stopRequested = true;
      log.warn(`${signal}: finishing this iteration, writing a checkpoint`);
      return finished;
    },
  });
  try {
    await runTrainerNode(
      flags,
      () => stopRequested,
      (l) => (log = l),
    );
    resolveFinished(0);
  } catch (err) {
    // After a signal the process exits from the shutdown handler: say why here.
    if (shutdown.signal() !== null) log.error(`trainer node failed: ${(err as Error).message}`);
    resolveFinished(1);
    throw err;
  } finally {
    // Without a signal the command returns (or throws); with one, the handler exits 0 or 1.
    if (shutdown.signal() === null) shutdown.dispose();
  }
}

/** Build the node, train, shut the node down (the signal handlers are already installed). */
async function runTrainerNode(
  flags: TrainerNodeFlags,
  stopRequested: () => boolean,
  useLog: (log: NodeLogger) => void,
): Promise<void> {
  const config = resolveTrainConfig({
    modelsDir: modelsDir(),
    ...(flags.config !== undefined ? { configFile: flags.config } : {}),
    cli: cliLayer({
      task: flags.task,
      robot: flags.robot,
      algo: flags.algo,
      steps: flags.steps,
      seed: flags.seed,
      workers: flags.workers,
      envs: flags.envs,
      backend: flags.backend,
      logLevel: flags.logLevel,
    }),
  }).config;
  const robotRef = config.robot !== '' ? config.robot : undefined;
  getTask(config.task, robotRef);
  const runDir = flags.out ?? defaultRunDir(config);
  createRunDir(runDir, config);
  const level: LogLevel = config.log.level;
  const logger = createLogger({
    level,
    file: runPaths(runDir).log,
    console: 'json',
    consoleLevel:
      flags.logLevel === undefined && (level === 'info' || level === 'debug' || level === 'trace')
        ? 'warn'
        : level,
  });
  const log = nodeLogger(logger);
  useLog(log);
  const transport = await loadRclnodejsTransport({ logger: log });
  const rosNode = transport.createNode(flags.name, {
    parameterOverrides: flags.jointStates ? {} : { publish_joint_states: false },
  });
  rosNode.declareParameters(TRAINER_NODE_PARAMETERS);
  const publishJointStates = rosNode.getParameter('publish_joint_states') === true;
  const robot = publishJointStates ? await MujocoRobot.create(config.task, robotRef) : null;
  const deployments = publishJointStates ? await createDeploymentLoader() : null;
  const trainer = new TrainerNode(rosNode, {
    runDir,
    task: config.task,
    totalSteps: config.totalSteps,
    ...(robot !== null && deployments !== null
      ? {
          showcase: {
            robot,
            loader: deployments.loader,
            seed: rosNode.getParameter('seed') as number,
          },
        }
      : {}),
  });
  transport.spin();
  trainer.start();
  logger.warn(
    `${rosNode.name}: training ${config.task} into ${runDir}; metrics on ${TRAINER_TOPICS.metrics}, checkpoints on ${TRAINER_TOPICS.checkpoint}${publishJointStates ? `, the newest policy on ${robot?.jointStatesTopic ?? ''}` : ''}`,
  );

  try {
    const result = await train({
      config,
      runDir,
      resume: false,
      logger,
      progress: trainer.progressReporter(createProgress(flags.progress as 'json' | 'none')),
      shouldStop: stopRequested,
    });
    const stats = trainer.stats();
    const summary = {
      ...doneSummary(result),
      checkpoint: stats.checkpoints[stats.checkpoints.length - 1] ?? null,
      metricsPublished: stats.metricsPublished,
      jointStatesSteps: stats.showcaseSteps,
    };
    logger.info(summary, result.interrupted ? 'training interrupted (resumable)' : 'training done');
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    // The metrics and checkpoint topics are latched, but only while this process lives: stay up
    // a little for subscribers that match late (the run may be shorter than DDS discovery).
    const lingerMs = (rosNode.getParameter('linger') as number) * 1000;
    const end = Date.now() + lingerMs;
    while (!stopRequested() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  } finally {
    trainer.stop();
    robot?.close();
    deployments?.close();
    await transport.shutdown();
  }
}

export function registerTrainerNodeCommand(program: Command): void {
  addTrainRunOptions(
    program
      .command('trainer-node')
      .description(
        'Train as `torquepilot train` does, as a ROS 2 node publishing metrics, checkpoints and /joint_states.',
      ),
  )
    .option('--name <name>', 'node name', TRAINER_NODE_NAME)
    .option('--no-joint-states', 'do not publish /joint_states (parameter publish_joint_states)')
    .option('--progress <mode>', 'json (one line per iteration on stdout) | none', 'json')
    .option('--log-level <level>', 'trace | debug | info | warn | error | fatal | silent')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: TrainerNodeFlags) => {
      if (flags.logLevel !== undefined) parseLogLevel(flags.logLevel);
      await trainerNodeAction(flags);
    });
}
