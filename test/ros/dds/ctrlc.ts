/**
 * Ctrl-C runs of the INSTALLED executables (`<install>/lib/torquepilot/{policy_node, trainer_node,
 * trainer, replay}`, the colcon wrappers of ros2/torquepilot that `ros2 launch` starts), shared by
 * test/ros/dds/signals.test.ts and bench/ctrlc.ts.
 *
 * Started as launch starts them: the sourced ROS environment (no re-exec), and for nodes
 * `--ros-args -r __node:=<name> --params-file <yaml>` with the parameters in launch_ros's file
 * format. Signals go to the process itself (its pid is the node process: the wrapper `exec`s node),
 * in the patterns of issue 20: once; twice, ms apart (terminal + launch); SIGINT then SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BagEpisodeReader } from '../../../src/replay/index.js';
import {
  findRosEnvironment,
  projectRosHome,
  ROS_SETUP_HINT,
} from '../../../src/ros/transport/rclnodejs/rosEnv.js';
import { colconBuildTorquepilot } from '../colconBuild.js';
import { ManagedProcess, ROOT, rosProcessEnv, waitUntil } from './harness.js';
import type { RobotPeer } from './harness.js';

export const EXECUTABLES = [
  'policy_node',
  'sim_robot',
  'trainer',
  'trainer_node',
  'replay',
] as const;
export type Executable = (typeof EXECUTABLES)[number];

/**
 * The folder of the installed executables that run THIS project's dist/: the setup's workspace
 * (`<ros home>/ws/install`, built by `npm run setup:ros` with dist/ linked) when its dist/ is this
 * project's (CI: a fresh clone), else a colcon build of ros2/torquepilot with
 * -DTORQUEPILOT_LINK_TREE=ON into a temporary folder (a git worktree sharing another clone's
 * .ros/). Returns the lib/torquepilot folder and a cleanup.
 */
export function installedExecutables(): { libDir: string; cleanup: () => void } {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli.js'))) {
    throw new Error(`installedExecutables: ${ROOT}/dist/src/cli.js missing; run \`npm run build\``);
  }
  const ros = findRosEnvironment();
  if (ros === null)
    throw new Error(`installedExecutables: no ROS 2 environment; ${ROS_SETUP_HINT}`);
  const setupInstall = join(projectRosHome(), 'ws', 'install');
  const linked = join(setupInstall, 'share', 'torquepilot', 'dist');
  if (existsSync(linked) && realpathSync(linked) === realpathSync(join(ROOT, 'dist'))) {
    return { libDir: join(setupInstall, 'lib', 'torquepilot'), cleanup: () => undefined };
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tp-colcon-signals-'));
  const run = colconBuildTorquepilot(ros, ROOT, tmp);
  if (run.status !== 0) {
    throw new Error(`installedExecutables: colcon build failed:\n${run.stdout}\n${run.stderr}`);
  }
  return {
    libDir: join(tmp, 'install', 'lib', 'torquepilot'),
    cleanup: () => spawnSync('rm', ['-rf', tmp]),
  };
}

/**
 * The environment `ros2 launch` gives a node: the sourced ROS environment (AMENT_PREFIX_PATH,
 * ROS_DISTRO, TORQUEPILOT_NODE_LD_PRELOAD; the wrapper adds LD_PRELOAD), so the CLI does not
 * re-execute itself; discovery on loopback in `domainId`.
 */
export function launchEnv(domainId: number): NodeJS.ProcessEnv {
  const env = rosProcessEnv(domainId, { node: true });
  delete env['TORQUEPILOT_ROS_ENV_APPLIED'];
  env['TORQUEPILOT_NODE'] = process.execPath;
  return env;
}

/** A parameter value; `{ double }` writes a whole number as a double (`0.0`, not `0`). */
export type ParamsFileValue = string | number | boolean | { readonly double: number };

/** A parameters file as launch_ros writes it for `Node(parameters=[{...}])`. */
export function writeParamsFile(path: string, params: Record<string, ParamsFileValue>) {
  const lines = ['/**:', '  ros__parameters:'];
  for (const [k, v] of Object.entries(params)) {
    const text =
      typeof v === 'object'
        ? Number.isInteger(v.double)
          ? v.double.toFixed(1)
          : String(v.double)
        : typeof v === 'string'
          ? JSON.stringify(v)
          : String(v);
    lines.push(`    ${k}: ${text}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Signals sent to one process: each `afterMs` after the first (sent only while it runs). */
export type SignalPattern = readonly {
  readonly signal: NodeJS.Signals;
  readonly afterMs: number;
}[];

export const PATTERNS = {
  sigintOnce: [{ signal: 'SIGINT', afterMs: 0 }],
  sigtermOnce: [{ signal: 'SIGTERM', afterMs: 0 }],
  /** A terminal's Ctrl-C and launch's copy, `gapMs` apart. */
  sigintTwice: (gapMs: number): SignalPattern => [
    { signal: 'SIGINT', afterMs: 0 },
    { signal: 'SIGINT', afterMs: gapMs },
  ],
  /** Launch's escalation: SIGTERM `afterMs` after its SIGINT (sigterm_timeout, 5 s). */
  sigintThenSigterm: (afterMs: number): SignalPattern => [
    { signal: 'SIGINT', afterMs: 0 },
    { signal: 'SIGTERM', afterMs },
  ],
} satisfies Record<string, SignalPattern | ((ms: number) => SignalPattern)>;

/** Send `pattern` to `proc`; resolves with the time of the first signal (performance.now). */
export async function sendSignals(proc: ManagedProcess, pattern: SignalPattern): Promise<number> {
  const pid = proc.child.pid;
  if (pid === undefined) throw new Error(`sendSignals: ${proc.label} has no pid`);
  const t0 = performance.now();
  for (const { signal, afterMs } of pattern) {
    const wait = t0 + afterMs - performance.now();
    // Sleep until the signal is due, or until the process exits (then nothing more is sent).
    if (wait > 0 && proc.running) await proc.waitForExit(wait).catch(() => undefined);
    if (!proc.running) break;
    process.kill(pid, signal);
  }
  return t0;
}

export interface PolicyRunSetup {
  readonly libDir: string;
  readonly domainId: number;
  readonly peer: RobotPeer;
  readonly checkpoint: string;
  /** Folder for this run's parameters file and bag. */
  readonly dir: string;
  readonly name?: string;
}

export interface PolicyRunResult {
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  /** First signal → process exit, ms. */
  readonly signalToExitMs: number;
  /** The peer received non-zero commands before the signal (the arm was driven). */
  readonly drivenBefore: boolean;
  /**
   * Non-zero commands the peer received from this run before the signal: each came from a tick
   * the policy acted on (a tick without a fresh state and the target sends zero torque), so each
   * is a recorded step.
   */
  readonly drivenCommands: number;
  readonly lastCommand: number[] | null;
  readonly lastCommandAllZero: boolean;
  readonly bag: { readonly episodes: number; readonly steps: number; readonly damage?: string };
  readonly output: string;
}

interface LastCommand {
  now: number;
  commandCount: number;
  lastCommand: number[] | null;
  lastCommandAllZero: boolean | null;
  lastNonZeroCommandAt: number | null;
  nonZeroCommandCount: number;
}

/**
 * Non-zero commands the peer must receive before the signal. Counting all commands would not do:
 * the node ticks from its first joint state but sends zero torque ('waiting') until the target
 * arrives, and over Fast DDS a target latched before the node started can take up to a writer
 * heartbeat period (~3 s) to be delivered; the signal then landed 1–3 acted ticks after it, and
 * the bag (whose last step, without an observed successor, is dropped) could hold no episode.
 */
export const DRIVEN_COMMANDS = 10;

/**
 * One run of the installed policy_node as deploy_arm.launch.py starts it (real mode, autostart),
 * armed at once (arm_ramp_time 0) against the peer's moving arm, sampling (explore true) and
 * recording a bag: waits until non-zero torque reaches the peer, sends `pattern`, waits for the
 * exit, then reads the peer's last command and the bag.
 */
export async function policyNodeRun(
  setup: PolicyRunSetup,
  pattern: SignalPattern,
): Promise<PolicyRunResult> {
  const { libDir, domainId, peer, checkpoint, dir } = setup;
  const name = setup.name ?? 'torquepilot_policy';
  mkdirSync(dir, { recursive: true });
  const bagDir = join(dir, 'bag');
  const robot = join(ROOT, 'models', 'robots', 'arm7', 'robot.yaml');
  const params = writeParamsFile(join(dir, 'params.yaml'), {
    mode: 'real',
    armed: true,
    checkpoint,
    robot_description: robot,
    torque_scale: 0.5,
    arm_ramp_time: { double: 0 },
    explore: true,
    record_path: bagDir,
  });
  const before = (await peer.request('last_command')) as unknown as LastCommand;
  const proc = ManagedProcess.start(
    name,
    join(libDir, 'policy_node'),
    [
      '--robot',
      robot,
      '--autostart',
      '--ros-args',
      '-r',
      `__node:=${name}`,
      '--params-file',
      params,
      '-r',
      '/effort_controller/commands:=/effort_controller/commands',
      '-r',
      '/joint_states:=/joint_states',
    ],
    launchEnv(domainId),
  );
  try {
    const driven = await waitUntil(
      `${name}: non-zero torque at the peer`,
      async () => {
        if (!proc.running) throw new Error(`${name} exited early\n${proc.tail()}`);
        const r = (await peer.request('last_command')) as unknown as LastCommand;
        return r.lastNonZeroCommandAt !== null &&
          r.lastNonZeroCommandAt > before.now &&
          r.nonZeroCommandCount >= before.nonZeroCommandCount + DRIVEN_COMMANDS
          ? r
          : undefined;
      },
      30_000,
    );
    // Land the signal at a random phase of the control period (20 ms at 50 Hz).
    await new Promise((r) => setTimeout(r, Math.random() * 40));
    const t0 = await sendSignals(proc, pattern);
    const exitCode = await proc.waitForExit(15_000);
    const signalToExitMs = performance.now() - t0;
    // No command can come after the exit but one in flight: the last one is final once it is zero,
    // or once nothing has arrived for a while (then it is checked below and fails if non-zero).
    let last = (await peer.request('last_command')) as unknown as LastCommand;
    const settle = Date.now() + 1000;
    while (last.lastCommandAllZero !== true && Date.now() < settle) {
      await new Promise((r) => setTimeout(r, 50));
      last = (await peer.request('last_command')) as unknown as LastCommand;
    }
    return {
      exitCode,
      exitSignal: proc.exitSignal,
      signalToExitMs,
      drivenBefore: driven.lastNonZeroCommandAt !== null,
      drivenCommands: driven.nonZeroCommandCount - before.nonZeroCommandCount,
      lastCommand: last.lastCommand,
      lastCommandAllZero: last.lastCommandAllZero === true,
      bag: await readBag(bagDir),
      output: proc.tail(40),
    };
  } finally {
    await proc.stop();
  }
}

/** Episodes and steps that read back from a bag, and its damage if any. */
export async function readBag(
  bagDir: string,
): Promise<{ episodes: number; steps: number; damage?: string }> {
  const reader = await BagEpisodeReader.open(bagDir);
  let episodes = 0;
  let steps = 0;
  for await (const ep of reader.episodes()) {
    episodes++;
    steps += ep.length;
  }
  const report = reader.report();
  return report.damage === undefined
    ? { episodes, steps }
    : { episodes, steps, damage: report.damage };
}

/** A config making iterations of `envs` × `nSteps` steps of reacher-2dof. */
export function writeTrainConfig(dir: string, nSteps: number): string {
  const path = join(dir, 'short.yaml');
  writeFileSync(path, `trpo:\n  nSteps: ${nSteps}\n`);
  return path;
}

export interface TrainerRunResult {
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly signalToExitMs: number;
  /** The iteration the signal landed in (the last progress line before it, plus one). */
  readonly iterationAtSignal: number;
  /** The done line: iterations and interrupted. */
  readonly done: { iterations: number; interrupted: boolean; steps: number } | null;
  /** checkpoints/latest.json's iteration after the exit. */
  readonly latestCheckpointIteration: number | null;
  readonly output: string;
}

/**
 * One run of the installed `trainer_node` (as sim_training.launch.py starts it) or `trainer`
 * (`train`), training reacher-2dof far beyond what the run lasts: after `afterIterations` progress
 * lines, sends `pattern` and waits for the exit.
 */
export async function trainerRun(
  setup: {
    libDir: string;
    domainId: number;
    dir: string;
    nSteps: number;
    /** More flags of the training (e.g. `--workers 2`). */
    extraArgs?: readonly string[];
  },
  executable: 'trainer_node' | 'trainer',
  pattern: SignalPattern,
  afterIterations = 1,
): Promise<TrainerRunResult> {
  const { libDir, domainId, dir, nSteps } = setup;
  mkdirSync(dir, { recursive: true });
  const runDir = join(dir, 'run');
  const common = [
    '--task',
    'reacher-2dof',
    '--out',
    runDir,
    '--steps',
    '100000000',
    '--envs',
    '4',
    '--seed',
    '3',
    '--backend',
    'cpu',
    '--config',
    writeTrainConfig(dir, nSteps),
    ...(setup.extraArgs ?? []),
  ];
  const args =
    executable === 'trainer_node'
      ? [
          ...common,
          '--ros-args',
          '-r',
          '__node:=torquepilot_trainer',
          '--params-file',
          writeParamsFile(join(dir, 'params.yaml'), {
            publish_joint_states: false,
            linger: { double: 0 },
          }),
        ]
      : [...common, '--progress', 'json'];
  const proc = ManagedProcess.start(
    executable,
    join(libDir, executable),
    args,
    launchEnv(domainId),
  );
  try {
    const progress = (): number => {
      let n = 0;
      for (const l of proc.lines) {
        const m = /^\{"type":"progress","iteration":(\d+)/.exec(l);
        if (m) n = Number(m[1]);
      }
      return n;
    };
    await waitUntil(
      `${executable}: ${afterIterations} iterations`,
      () => {
        if (!proc.running) throw new Error(`${executable} exited early\n${proc.tail()}`);
        return progress() >= afterIterations ? true : undefined;
      },
      120_000,
    );
    const iterationAtSignal = progress() + 1;
    const t0 = await sendSignals(proc, pattern);
    const exitCode = await proc.waitForExit(60_000);
    const signalToExitMs = performance.now() - t0;
    const doneLine = proc.lines.find((l) => l.startsWith('{"type":"done"'));
    const latest = join(runDir, 'checkpoints', 'latest.json');
    return {
      exitCode,
      exitSignal: proc.exitSignal,
      signalToExitMs,
      iterationAtSignal,
      done:
        doneLine === undefined
          ? null
          : (JSON.parse(doneLine) as { iterations: number; interrupted: boolean; steps: number }),
      latestCheckpointIteration: existsSync(latest)
        ? (JSON.parse(readFileSync(latest, 'utf8')) as { iteration: number }).iteration
        : null,
      output: proc.tail(40),
    };
  } finally {
    await proc.stop();
  }
}

/**
 * `trainer --resume <run>` (the installed `train`) for `moreIterations` iterations more; resolves
 * with its exit code and done line.
 */
export async function resumeRun(
  libDir: string,
  domainId: number,
  runDir: string,
  totalSteps: number,
): Promise<{
  exitCode: number | null;
  done: { iterations: number; steps: number } | null;
  output: string;
}> {
  const proc = ManagedProcess.start(
    'trainer --resume',
    join(libDir, 'trainer'),
    ['--resume', runDir, '--steps', String(totalSteps), '--progress', 'json'],
    launchEnv(domainId),
  );
  try {
    const exitCode = await proc.waitForExit(120_000);
    const doneLine = proc.lines.find((l) => l.startsWith('{"type":"done"'));
    return {
      exitCode,
      done:
        doneLine === undefined
          ? null
          : (JSON.parse(doneLine) as { iterations: number; steps: number }),
      output: proc.tail(40),
    };
  } finally {
    await proc.stop();
  }
}
