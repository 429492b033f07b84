/**
 * `torquepilot deploy`, `torquepilot node` and `torquepilot sim-robot` (commander). Flag parsing,
 * wiring and output only; the nodes are policyNode.ts and simRobotNode.ts.
 *
 * Commands that need ROS call `ensureRosEnvironment()` first (it re-executes the process with the
 * ROS environment, or throws one error naming `npm run setup:ros`), and only then import the
 * rclnodejs adapter. Right after it, before anything is built, they install the SIGINT/SIGTERM
 * handlers (util/shutdownSignals.ts): one orderly shutdown, exit 0, however many copies of one
 * Ctrl-C arrive (terminal + `ros2 launch`) and when launch escalates to SIGTERM.
 */
import type { Command } from 'commander';
import { describeRandomize, readPerturbationFile } from '../../config/index.js';
import type { RandomizeSpec, TaskParams } from '../../config/index.js';
import { loadCheckpoint } from '../../policy/index.js';
import { checkpointTask, confirmCheckpointFlags } from '../../train/index.js';
import { createLogger, parseLogLevel } from '../../util/index.js';
import { getTask } from '../../../sim/index.js';
import { DEPLOY_DEFAULTS, runDeploy } from './deploy.js';
import type { DeployOptions, DeployReport } from './deploy.js';
import { bagRecorderFactory } from '../nodes/index.js';
import {
  ensureRosEnvironment,
  InProcessTransport,
  loadRclnodejsTransport,
} from '../transport/index.js';
import {
  POLICY_NODE_NAME,
  POLICY_NODE_PARAMETERS,
  POLICY_TOPICS,
  SIM_ROBOT_NODE_NAME,
  SIM_ROBOT_PARAMETERS,
} from '../nodes/index.js';
import { PolicyNode } from '../nodes/index.js';
import { createDeploymentLoader, MujocoRobot } from '../nodes/index.js';
import {
  declareSimRobotParameters,
  readRobotDescriptionFile,
  SimRobotNode,
} from '../nodes/index.js';
import { registerTrainerNodeCommand } from './trainerCli.js';
import type { LifecycleHandle, NodeLogger, Transport, TransportNode } from '../transport/index.js';
import { collectGarbage, installShutdownHandlers } from '../../util/index.js';
import { nodeLogger } from './cliLoggers.js';

interface DeployFlags {
  transport: string;
  mode: string;
  checkpoint: string;
  robot?: string;
  task?: string;
  duration: string;
  rate: string;
  seed: string;
  explore?: boolean;
  exploreScale: string;
  realtime?: boolean;
  tickSource: string;
  robotRate: string;
  record?: string;
  json?: boolean;
  busyPoll?: boolean;
  logLevel: string;
  perturb?: string;
}

interface NodeFlags {
  mode: string;
  checkpoint?: string;
  robot?: string;
  task?: string;
  name: string;
  autostart?: boolean;
  armed?: boolean;
  rate?: string;
  record?: string;
  useSimTime?: boolean;
  busyPoll?: boolean;
  logLevel: string;
}

interface SimRobotFlags {
  task?: string;
  robot?: string;
  name: string;
  useSimTime?: boolean;
  realtime?: boolean;
  updateRate?: string;
  seed: string;
  busyPoll?: boolean;
  logLevel: string;
  perturb?: string;
}

/**
 * The stand-in arm of a perturbation file ('' = the nominal arm), and the one log line that says
 * which arm this is. A bad file throws the loader's error (file, key, value).
 */
function standInArm(
  file: string,
  who: string,
  log: NodeLogger,
  task: string | TaskParams,
): RandomizeSpec | undefined {
  if (file === '') return undefined;
  const spec = readPerturbationFile(file);
  log.info(
    `${who}: simulating a stand-in ${typeof task === 'string' ? task : task.kind} arm perturbed by ${file}: ${describeRandomize(spec)}`,
  );
  return spec;
}

function number(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    throw new Error(`${flag}: '${value}' is not a number ≥ ${min}`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${flag}: '${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Load the ROS adapter after applying the ROS environment (re-exec), with one clear error. */
async function rosTransport(logger: NodeLogger, busyPoll = false): Promise<Transport> {
  await ensureRosEnvironment();
  return loadRclnodejsTransport({ logger, busyPoll });
}

const BUSY_POLL_HELP =
  'poll on the main thread instead of sleeping between ticks: no late kernel wake-up misses a tick at hundreds of Hz, one CPU core stays busy (see README, "Timing")';

function recorderFactory(logger: NodeLogger) {
  return bagRecorderFactory(
    logger,
    (task) => getTask(task).horizon,
    (task) => getTask(task).obsSize,
    process.env['ROS_DISTRO'] ?? '',
  );
}

function humanReport(r: DeployReport): string {
  const f = (x: number | undefined, d = 3): string =>
    x === undefined ? '-' : Number.isFinite(x) ? x.toFixed(d) : 'n/a';
  const lines = [
    `deploy (${r.transport}) checkpoint ${r.checkpointId}, ${f(r.durationS, 1)} s`,
    `  ticks              ${r.ticks} at ${f(r.rateHz, 1)} Hz (target ${f(r.targetRateHz, 1)} Hz), missed ${r.missedTicks}`,
    `  tick latency       p50 ${f(r.p50LatencyMs)} ms, p99 ${f(r.p99LatencyMs)} ms, max ${f(r.maxLatencyMs)} ms`,
    `  torque             max |τ| ${f(r.maxAbsTorque)}, limit violations ${r.torqueLimitViolations}`,
    `  watchdog trips     ${r.watchdogTrips}`,
    `  distance           final ${f(r.finalDistance, 4)} m, median episode end ${f(r.medianEpisodeFinalDistance, 4)} m over ${r.episodes} episodes`,
  ];
  if (r.roundTripP99Ms !== undefined) {
    lines.push(`  round trip (robot) p50 ${f(r.roundTripP50Ms)} ms, p99 ${f(r.roundTripP99Ms)} ms`);
  }
  return lines.join('\n');
}

async function deployAction(flags: DeployFlags): Promise<void> {
  const logger = createLogger({ level: parseLogLevel(flags.logLevel) });
  const log = nodeLogger(logger);
  const transportKind = oneOf('--transport', flags.transport, ['inprocess', 'ros'] as const);
  if (flags.task !== undefined) {
    await confirmCheckpointFlags(flags.checkpoint, { task: flags.task }, 'deploy');
  }
  const options: DeployOptions = {
    ...DEPLOY_DEFAULTS,
    checkpoint: flags.checkpoint,
    robotDescription: flags.robot ?? '',
    mode: oneOf('--mode', flags.mode, ['sim', 'real'] as const),
    durationS: number('--duration', flags.duration, 0),
    rateHz: number('--rate', flags.rate, 0),
    seed: number('--seed', flags.seed, 0),
    explore: flags.explore === true,
    exploreScale: number('--explore-scale', flags.exploreScale, 0),
    realtime: flags.realtime === true,
    tickSource: oneOf('--tick-source', flags.tickSource, [
      'timer',
      'joint_states',
      'auto',
    ] as const),
    robotRateHz: number('--robot-rate', flags.robotRate, 0),
    recordPath: flags.record ?? '',
  };
  const transport: Transport =
    transportKind === 'ros'
      ? await rosTransport(log, flags.busyPoll === true)
      : new InProcessTransport({ clock: 'steady', logger: log, busyPoll: flags.busyPoll === true });
  const { task, robot: robotRef } = checkpointTask(
    loadCheckpoint(options.checkpoint).manifest,
    flags.robot,
  );
  const perturbation = standInArm(flags.perturb ?? '', 'deploy', log, task);
  const { loader, close } = await createDeploymentLoader(flags.robot ? [flags.robot] : []);
  try {
    const robot = await MujocoRobot.create(task, robotRef, perturbation);
    const report = await runDeploy(options, {
      transport,
      loader,
      robot,
      recorderFactory: recorderFactory(log),
    });
    process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : `${humanReport(report)}\n`);
  } finally {
    close();
  }
}

async function nodeAction(flags: NodeFlags): Promise<void> {
  const logger = createLogger({ level: parseLogLevel(flags.logLevel) });
  const log = nodeLogger(logger);
  const mode = oneOf('--mode', flags.mode, ['sim', 'real'] as const);
  if (flags.task !== undefined) {
    if (flags.checkpoint === undefined) throw new Error('node --task: needs --checkpoint');
    await confirmCheckpointFlags(flags.checkpoint, { task: flags.task }, 'node');
  }
  await ensureRosEnvironment();
  // Before anything is built: a signal during startup still shuts down in order.
  const built: {
    transport?: Transport;
    handle?: LifecycleHandle;
    policyNode?: PolicyNode;
    closeLoader?: () => void;
  } = {};
  const shutdown = installShutdownHandlers({
    name: flags.name,
    log,
    forceQuitMessage: 'exiting now: the bag may be incomplete and the node is not destroyed',
    onShutdown: async () => {
      // Synchronous up to the first await: deactivate publishes the zero command at once.
      const { handle } = built;
      if (handle?.state() === 'active') handle.trigger('deactivate');
      if (handle !== undefined && handle.state() !== 'finalized') handle.trigger('shutdown');
      await built.policyNode?.recordingsClosed();
      built.closeLoader?.();
      await built.transport?.shutdown();
    },
  });
  const transport = await loadRclnodejsTransport({
    logger: log,
    busyPoll: flags.busyPoll === true,
  });
  built.transport = transport;
  const { loader, close } = await createDeploymentLoader(flags.robot ? [flags.robot] : []);
  built.closeLoader = close;
  const handle = transport.createLifecycleNode(
    flags.name,
    (node) => {
      const policyNode = new PolicyNode(node, {
        loader,
        recorderFactory: recorderFactory(log),
        beforeControlLoop: collectGarbage,
      });
      built.policyNode = policyNode;
      return policyNode.callbacks();
    },
    {
      parameterOverrides: {
        mode,
        ...(flags.checkpoint !== undefined ? { checkpoint: flags.checkpoint } : {}),
        ...(flags.robot !== undefined ? { robot_description: flags.robot } : {}),
        ...(flags.rate !== undefined ? { control_rate: number('--rate', flags.rate, 0) } : {}),
        ...(flags.record !== undefined ? { record_path: flags.record } : {}),
        ...(flags.armed === true ? { armed: true } : {}),
      },
      useSimTime: flags.useSimTime === true,
    },
  );
  built.handle = handle;
  transport.spin();
  // A signal during startup: no autostart; the shutdown already runs.
  if (flags.autostart === true && shutdown.signal() === null) {
    for (const t of ['configure', 'activate'] as const) {
      const r = handle.trigger(t);
      if (!r.success) throw new Error(`${flags.name}: autostart ${t} failed: ${r.reason ?? ''}`);
    }
  }
  logger.info(
    `${handle.node.name}: ${handle.state()} (drive it through /${handle.node.name}/change_state)`,
  );
  await shutdown.done;
}

/** The node's use_sim_time parameter (false when the transport has none). */
function simTimeParameter(node: TransportNode): boolean {
  try {
    return node.getParameter('use_sim_time') === true;
  } catch {
    return false;
  }
}

async function simRobotAction(flags: SimRobotFlags): Promise<void> {
  const logger = createLogger({ level: parseLogLevel(flags.logLevel) });
  const log = nodeLogger(logger);
  if (flags.task !== undefined) getTask(flags.task, flags.robot);
  await ensureRosEnvironment();
  const built: { transport?: Transport; node?: SimRobotNode; robot?: MujocoRobot } = {};
  const shutdown = installShutdownHandlers({
    name: flags.name,
    log,
    forceQuitMessage: 'exiting without closing the simulation',
    onShutdown: async () => {
      built.node?.stop(); // no step after the simulation is gone
      built.robot?.close();
      await built.transport?.shutdown();
    },
  });
  const transport = await loadRclnodejsTransport({
    logger: log,
    busyPoll: flags.busyPoll === true,
  });
  built.transport = transport;
  const rosNode = transport.createNode(flags.name, {
    parameterOverrides: {
      // --task wins over the default; `--ros-args -p task:=...` (a launch file) wins over both.
      ...(flags.task !== undefined ? { task: flags.task } : {}),
      ...(flags.robot !== undefined ? { robot: flags.robot } : {}),
      ...(flags.realtime === true ? { realtime: true } : {}),
      ...(flags.updateRate !== undefined
        ? { update_rate: number('--update-rate', flags.updateRate, 0) }
        : {}),
      seed: number('--seed', flags.seed, 0),
      ...(flags.perturb !== undefined ? { perturb: flags.perturb } : {}),
    },
    useSimTime: flags.useSimTime === true,
  });
  const p = declareSimRobotParameters(rosNode);
  const robotRef = p.robot !== '' ? p.robot : undefined;
  getTask(p.task, robotRef);
  const perturbation = standInArm(p.perturb, rosNode.name, log, p.task);
  // The standard use_sim_time parameter (declared by rcl's time source; set by launch files for
  // every node) means the same as --use-sim-time: this node is the sim-time source, so it
  // publishes /clock. Its own pacing timer runs on the steady clock either way.
  const publishClock = flags.useSimTime === true || simTimeParameter(rosNode);
  const robot = await MujocoRobot.create(p.task, robotRef, perturbation);
  built.robot = robot;
  const node = new SimRobotNode(rosNode, {
    robot,
    jointStatesTopic: robot.jointStatesTopic,
    commandTopic: robot.commandTopic,
    realtime: p.realtime,
    updateRateHz: p.updateRateHz,
    publishClock,
    seed: p.seed,
    episodeSteps: p.episodeSteps,
    tfRateHz: p.tfRateHz,
    ...(p.robotDescriptionFile !== ''
      ? { robotDescription: readRobotDescriptionFile(p.robotDescriptionFile) }
      : {}),
  });
  built.node = node;
  transport.spin();
  if (shutdown.signal() === null) node.start(); // else the shutdown already runs
  logger.info(
    `${rosNode.name}: simulating ${p.task} (${p.realtime ? 'realtime' : 'lockstep'}${publishClock ? ', publishing /clock' : ''}), state on ${robot.jointStatesTopic}, commands on ${robot.commandTopic}`,
  );
  await shutdown.done;
}

export function registerRosCommands(program: Command): void {
  registerTrainerNodeCommand(program);
  program
    .command('ros-parameters')
    .description("Print the nodes' declared ROS parameters and fixed topics (for launch files).")
    .option('--json', 'one JSON document')
    .action((flags: { json?: boolean }) => {
      const doc = {
        [POLICY_NODE_NAME]: POLICY_NODE_PARAMETERS,
        [SIM_ROBOT_NODE_NAME]: SIM_ROBOT_PARAMETERS,
        topics: POLICY_TOPICS,
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(doc)}\n`);
        return;
      }
      for (const [node, table] of [
        [POLICY_NODE_NAME, POLICY_NODE_PARAMETERS],
        [SIM_ROBOT_NODE_NAME, SIM_ROBOT_PARAMETERS],
      ] as const) {
        process.stdout.write(`${node}\n`);
        for (const p of table) {
          const range = p.range
            ? ` [${p.range.from}, ${p.range.to}]`
            : p.choices
              ? ` {${p.choices.join('|')}}`
              : '';
          process.stdout.write(
            `  ${p.name} (${p.type}${range}) = ${JSON.stringify(p.default)}: ${p.description}\n`,
          );
        }
      }
    });

  program
    .command('deploy')
    .description(
      'Run the policy node against the simulated robot node and report latency and safety figures.',
    )
    .requiredOption('--checkpoint <path>', 'checkpoint directory (or run directory: its best)')
    .option('--transport <kind>', 'inprocess (one event loop) or ros (real DDS)', 'inprocess')
    .option('--mode <mode>', 'sim, or real (armed explicitly, torque ramps up)', 'sim')
    .option(
      '--robot <dir|name>',
      "robot folder, its robot.yaml or a built-in robot (default: the checkpoint's robot)",
    )
    .option('--task <name>', "the checkpoint's task (it fixes the task; another is refused)")
    .option('--duration <s>', 'wall-clock seconds to run', String(DEPLOY_DEFAULTS.durationS))
    .option('--rate <hz>', "control rate (0 = the description's)", '0')
    .option('--seed <n>', 'seed of the robot episodes and exploration noise', '0')
    .option(
      '--explore',
      'sample actions from N(mean, (scale·std)²) and record them with their density (default: the mean, recorded as deterministic)',
    )
    .option(
      '--explore-scale <s>',
      'with --explore: multiplies the trained std, in [0.01, 1] (it may only shrink)',
      String(DEPLOY_DEFAULTS.exploreScale),
    )
    .option('--realtime', 'robot steps at its own dt in real time (default: lockstep)')
    .option(
      '--tick-source <src>',
      "timer, joint_states, or auto (the node's default: joint_states in real mode)",
      DEPLOY_DEFAULTS.tickSource,
    )
    .option(
      '--robot-rate <hz>',
      'realtime robot: steps and joint states per second (0 = --rate)',
      '0',
    )
    .option('--record <dir>', 'record episodes as a rosbag2 MCAP bag')
    .option('--perturb <file>', 'simulate a shifted arm: a perturbation file (docs/sim-to-real.md)')
    .option('--json', 'print the report as one JSON line')
    .option('--busy-poll', BUSY_POLL_HELP)
    .option('--log-level <level>', 'pino log level', 'warn')
    .action(deployAction);

  program
    .command('node')
    .description('Start the policy lifecycle node on ROS 2 (unconfigured unless --autostart).')
    .option('--mode <mode>', 'sim or real', 'sim')
    .option('--checkpoint <path>', 'checkpoint directory (parameter checkpoint)')
    .option(
      '--robot <dir|name>',
      "robot folder, its robot.yaml or a built-in robot (parameter robot_description; default: the checkpoint's robot)",
    )
    .option('--task <name>', "the checkpoint's task (it fixes the task; another is refused)")
    .option('--name <name>', 'node name', POLICY_NODE_NAME)
    .option('--rate <hz>', "control rate (0 = the description's)")
    .option('--record <dir>', 'record episodes as a rosbag2 MCAP bag (parameter record_path)')
    .option('--armed', 'start armed (real mode; prefer setting the parameter at run time)')
    .option('--use-sim-time', 'follow /clock (parameter use_sim_time)')
    .option('--autostart', 'configure and activate at once')
    .option('--busy-poll', BUSY_POLL_HELP)
    .option('--log-level <level>', 'pino log level', 'info')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(nodeAction);

  program
    .command('sim-robot')
    .description(
      'Start the simulated robot node (MuJoCo) on ROS 2: /joint_states out, effort commands in.',
    )
    .option(
      '--task <kind|file>',
      'task to simulate: a built-in task, a kind or a task file (parameter task, default arm7-reach)',
    )
    .option(
      '--robot <dir|name>',
      "robot folder or built-in robot (parameter robot; default: the task's)",
    )
    .option('--name <name>', 'node name', SIM_ROBOT_NODE_NAME)
    .option('--use-sim-time', 'publish /clock (sim time); same as the parameter use_sim_time')
    .option('--realtime', 'step at the task dt in real time (default: lockstep on each command)')
    .option('--update-rate <hz>', 'realtime: steps per second (parameter update_rate; 0 = 1/dt)')
    .option('--seed <n>', 'seed of the first episode (episode k: seed + k) and of the noise', '0')
    .option(
      '--perturb <file>',
      'simulate a shifted arm: a perturbation file (parameter perturb; docs/sim-to-real.md)',
    )
    .option('--busy-poll', BUSY_POLL_HELP)
    .option('--log-level <level>', 'pino log level', 'info')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(simRobotAction);
}
