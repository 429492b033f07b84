/**
 * bench/ros.ts — the policy node and a robot over real DDS (issue 20: "low latency by default").
 *
 * Prints the figures against their targets, with the 1-minute load average before and after:
 *   round trip at the robot (a joint state out → the command that answers it in): p99 ≤ 2 ms;
 *   missed periods of the policy (a control period without a command): 0;
 *   tick latency inside the node (joint state in → command out, policy included): p99 ≤ 1 ms.
 *
 * Two setups (--robot):
 *   process (default): the policy node alone in its process, built as `torquepilot node` builds
 *     it, with DEFAULT settings (bench/rosPolicyProcess.ts), and a stand-in 7-joint arm in rclpy in
 *     another process publishing /joint_states at --robot-rate (bench/ros_arm_standin.py), as in
 *     the operator's trial of issue 20 and as a real arm's driver is (bench/rosTwoProcess.ts joins
 *     their logs: each command against the state it answers).
 *   inprocess: `torquepilot deploy --transport ros --json`, the MuJoCo sim robot and the policy
 *     node as two nodes of ONE process (so every hop also waits for the other node's callbacks on
 *     the same main thread); the tick options below apply to it.
 *
 * DEFAULT settings, as an operator's launch starts the node: real mode (armed; the torque ramps up
 * over 1 s), the description's control rate (arm7-reach: 50 Hz), tick_source 'auto' (= joint_states
 * in real mode: the first fresh joint state of each period ticks, the timer only enforces the
 * watchdog) and sleeping waits (no busy-poll). The robot paces itself at --robot-rate (issue 20:
 * 100 and 500 Hz), as ros2_control's controller_manager does.
 *
 * Usage: npx tsx bench/ros.ts [--robot process|inprocess] [--duration 60] [--robot-rate 500]
 *          [--json] [--checkpoint DIR] [--busy-poll]
 *          inprocess only: [--rate 0] [--mode real|sim] [--tick-source auto|joint_states|timer]
 *          [--lockstep]
 * Domain: $ROS_DOMAIN_ID if set (51–99), else 54. Issue 9's setup (policy at 500 Hz, busy-poll):
 * --robot inprocess --mode sim --rate 500 --tick-source joint_states --busy-poll. Without
 * --checkpoint it makes a random-weights arm7-reach checkpoint (the forward pass costs the same as
 * a trained one's). Needs `npm run setup:ros` (or a sourced ROS 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRosEnvironment, projectRoot, ROS_SETUP_HINT } from '../src/ros/index.js';
import { saveRandomArm7Checkpoint } from '../test/fixtures/arm7Checkpoint.js';
import { runTwoProcess } from './rosTwoProcess.js';
import { benchArgs, numberArg } from './benchArgs.js';

/** Bench options; the defaults are the node's defaults and issue 20's figures. */
interface RosBenchOptions {
  /** Where the robot runs: its own process (an rclpy arm) or the policy node's (MuJoCo). */
  readonly robot: 'process' | 'inprocess';
  /** Seconds the deploy runs (issue 20: 60 s). */
  readonly durationS: number;
  /** Policy control rate, Hz; 0 = the robot description's (arm7-reach: 50 Hz). */
  readonly rateHz: number;
  /** Robot pacing rate (steps and joint states per second), Hz (issue 20: 100 and 500 Hz). */
  readonly robotRateHz: number;
  /** Checkpoint directory; '' = a random-weights arm7-reach checkpoint made here. */
  readonly checkpoint: string;
  /** Print one JSON object instead of the table. */
  readonly json: boolean;
  /** ROS_DOMAIN_ID (the DDS tests' and benches' range is 51–99). */
  readonly domainId: number;
  /** Policy node mode: 'real' (an operator's deploy) or 'sim'. */
  readonly mode: 'real' | 'sim';
  /** The node's tick_source; 'auto' is its default. */
  readonly tickSource: 'auto' | 'joint_states' | 'timer';
  /** Robot pacing: its own real-time steps (true) or one step per command (false). */
  readonly realtime: boolean;
  /** Poll instead of sleeping between ticks (deploy --busy-poll; not the default). */
  readonly busyPoll: boolean;
}

const DEFAULTS: Readonly<RosBenchOptions> = Object.freeze({
  robot: 'process', // as a real arm's driver: a process of its own
  durationS: 60, // issue 20: 60 s
  rateHz: 0, // the description's: 50 Hz for arm7-reach
  robotRateHz: 500, // issue 20: a robot at 100 Hz and at 500 Hz
  checkpoint: '', // made here
  json: false, // table
  domainId: envDomain(), // $ROS_DOMAIN_ID, else 54: own domain in 51–99
  mode: 'real', // as deploy_arm.launch.py starts the node
  tickSource: 'auto', // the node's default
  realtime: true, // the robot paces itself, as hardware does
  busyPoll: false, // the node's default: sleeping waits
});

function envDomain(): number {
  const text = process.env['ROS_DOMAIN_ID'];
  if (text === undefined || text === '') return 54;
  const id = Number(text);
  if (!Number.isInteger(id) || id < 51 || id > 99) {
    throw new Error(`bench/ros.ts: ROS_DOMAIN_ID '${text}' is not an integer in 51–99`);
  }
  return id;
}

/** Targets of issues 9 and 20. */
const TARGETS = Object.freeze({ p99LatencyMs: 1, roundTripP99Ms: 2, missedTicks: 0 });

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`bench/ros: --${option} '${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

const HELP =
  'npx tsx bench/ros.ts [--robot process|inprocess] [--duration 60] [--robot-rate 500] [--json]\n' +
  '                     [--checkpoint DIR] [--busy-poll]\n' +
  '  inprocess only:    [--rate 0] [--mode real|sim] [--tick-source auto|joint_states|timer] [--lockstep]\n' +
  "Defaults: the robot in its own process; the policy node's own settings (real mode, description\n" +
  'rate, tick_source auto, no busy-poll). Domain: $ROS_DOMAIN_ID, else 54.\n';

function parseCliArgs(argv: readonly string[]): RosBenchOptions {
  const B = 'ros';
  const v = benchArgs(
    B,
    {
      robot: { type: 'string', default: DEFAULTS.robot },
      duration: { type: 'string', default: String(DEFAULTS.durationS) },
      rate: { type: 'string', default: String(DEFAULTS.rateHz) },
      'robot-rate': { type: 'string', default: String(DEFAULTS.robotRateHz) },
      checkpoint: { type: 'string', default: DEFAULTS.checkpoint },
      json: { type: 'boolean' },
      lockstep: { type: 'boolean' },
      'busy-poll': { type: 'boolean' },
      sleep: { type: 'boolean' },
      mode: { type: 'string', default: DEFAULTS.mode },
      'tick-source': { type: 'string', default: DEFAULTS.tickSource },
      help: { type: 'boolean' },
    },
    argv,
  );
  if (v.help === true) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const opts: RosBenchOptions = {
    ...DEFAULTS,
    robot: oneOf('robot', v.robot, ['process', 'inprocess'] as const),
    durationS: numberArg(B, 'duration', v.duration, { positive: true }),
    rateHz: numberArg(B, 'rate', v.rate, { min: 0 }),
    robotRateHz: numberArg(B, 'robot-rate', v['robot-rate'], { positive: true }),
    checkpoint: v.checkpoint,
    json: v.json === true,
    realtime: v.lockstep !== true,
    busyPoll: v['busy-poll'] === true && v.sleep !== true,
    mode: oneOf('mode', v.mode, ['real', 'sim'] as const),
    tickSource: oneOf('tick-source', v['tick-source'], ['auto', 'joint_states', 'timer'] as const),
  };
  const tickOptions =
    opts.rateHz !== DEFAULTS.rateHz ||
    opts.mode !== DEFAULTS.mode ||
    opts.tickSource !== DEFAULTS.tickSource ||
    opts.realtime !== DEFAULTS.realtime;
  if (opts.robot === 'process' && tickOptions) {
    throw new Error(
      'bench/ros.ts: --rate, --mode, --tick-source and --lockstep apply to --robot inprocess only (the policy process runs the defaults)',
    );
  }
  return opts;
}

/** The figures both setups report (NaN where a setup has none). */
interface RosFigures {
  readonly targetRateHz: number;
  readonly rateHz: number;
  readonly ticks: number;
  readonly missedTicks: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly roundTripP50Ms: number;
  readonly roundTripP99Ms: number;
  readonly roundTripMaxMs: number;
  /** Commands timed (the process setup; NaN in process, where the deploy keeps a window). */
  readonly roundTrips: number;
  readonly torqueLimitViolations: number;
  readonly watchdogTrips: number;
  /** The robot's own pacing misses (steps or publications ≥ 1 period late). */
  readonly robotMissed: number;
}

/** `torquepilot deploy --transport ros --json`: both nodes in one process. */
function runInProcess(opts: RosBenchOptions, checkpoint: string): RosFigures {
  const root = projectRoot(fileURLToPath(new URL('.', import.meta.url)));
  const args = [
    '--import',
    'tsx',
    join(root, 'src/cli.ts'),
    'deploy',
    '--transport',
    'ros',
    '--mode',
    opts.mode,
    '--checkpoint',
    checkpoint,
    '--rate',
    String(opts.rateHz),
    '--robot-rate',
    String(opts.robotRateHz),
    '--duration',
    String(opts.durationS),
    '--tick-source',
    opts.tickSource,
    ...(opts.realtime ? ['--realtime'] : []),
    ...(opts.busyPoll ? ['--busy-poll'] : []),
    '--json',
  ];
  const run = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      ROS_AUTOMATIC_DISCOVERY_RANGE: 'LOCALHOST',
      ROS_DOMAIN_ID: String(opts.domainId),
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = run.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (run.status !== 0 || line === undefined) {
    throw new Error(
      `bench/ros.ts: deploy failed (exit ${run.status}):\n${run.stderr.slice(-3000)}`,
    );
  }
  const report = JSON.parse(line) as Record<string, unknown>;
  const num = (key: string): number =>
    typeof report[key] === 'number' ? (report[key] as number) : NaN;
  return {
    targetRateHz: num('targetRateHz'),
    rateHz: num('rateHz'),
    ticks: num('ticks'),
    missedTicks: num('missedTicks'),
    p50LatencyMs: num('p50LatencyMs'),
    p99LatencyMs: num('p99LatencyMs'),
    roundTripP50Ms: num('roundTripP50Ms'),
    roundTripP99Ms: num('roundTripP99Ms'),
    roundTripMaxMs: NaN,
    roundTrips: NaN,
    torqueLimitViolations: num('torqueLimitViolations'),
    watchdogTrips: num('watchdogTrips'),
    robotMissed: num('robotMissedSteps'),
  };
}

async function main(): Promise<void> {
  const opts = parseCliArgs(process.argv.slice(2));
  if (findRosEnvironment() === null) {
    throw new Error(`bench/ros.ts: no ROS 2 environment; ${ROS_SETUP_HINT}`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tp-bench-ros-'));
  try {
    const checkpoint =
      opts.checkpoint !== '' ? opts.checkpoint : saveRandomArm7Checkpoint(join(tmp, 'arm7-random'));
    const loadBefore = loadavg()[0] as number;
    let figures: RosFigures;
    if (opts.robot === 'inprocess') figures = runInProcess(opts, checkpoint);
    else {
      const r = await runTwoProcess({
        checkpoint,
        durationS: opts.durationS,
        robotRateHz: opts.robotRateHz,
        domainId: opts.domainId,
        busyPoll: opts.busyPoll,
      });
      figures = {
        targetRateHz: r.targetRateHz,
        rateHz: NaN,
        ticks: r.ticks,
        missedTicks: r.missedTicks,
        p50LatencyMs: r.p50LatencyMs,
        p99LatencyMs: r.p99LatencyMs,
        roundTripP50Ms: r.roundTripP50Ms,
        roundTripP99Ms: r.roundTripP99Ms,
        roundTripMaxMs: r.roundTripMaxMs,
        roundTrips: r.roundTrips,
        torqueLimitViolations: r.torqueLimitViolations,
        watchdogTrips: r.watchdogTrips,
        robotMissed: r.robotLatePublications,
      };
    }
    const load = { before: loadBefore, after: loadavg()[0] as number };
    const pass = {
      p99LatencyMs: figures.p99LatencyMs <= TARGETS.p99LatencyMs,
      roundTripP99Ms: figures.roundTripP99Ms <= TARGETS.roundTripP99Ms,
      missedTicks: figures.missedTicks <= TARGETS.missedTicks,
    };
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ options: opts, figures, load, targets: TARGETS, pass })}\n`,
      );
      return;
    }
    const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
    const mark = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
    const setup =
      opts.robot === 'process'
        ? `policy node in its own process (default settings${opts.busyPoll ? ', busy-poll' : ''}) vs rclpy stand-in arm in another process at ${opts.robotRateHz} Hz`
        : `policy node (${opts.mode} mode, tick_source ${opts.tickSource}, ${opts.busyPoll ? 'busy-poll' : 'sleeping waits'}) and MuJoCo sim robot (${opts.realtime ? `realtime at ${opts.robotRateHz} Hz` : 'lockstep'}) in ONE process`;
    process.stdout.write(
      [
        `ROS 2 over DDS (--robot ${opts.robot}): ${setup}; policy at ${f(figures.targetRateHz)} Hz, ${opts.durationS} s, domain ${opts.domainId}`,
        `  round trip (robot)    p50 ${f(figures.roundTripP50Ms)} ms, p99 ${f(figures.roundTripP99Ms)} ms, max ${f(figures.roundTripMaxMs)} ms over ${figures.roundTrips} commands (target p99 ≤ 2: ${mark(pass.roundTripP99Ms)})`,
        `  ticks                 ${figures.ticks}, missed periods ${figures.missedTicks} (target 0: ${mark(pass.missedTicks)})`,
        `  tick latency (node)   p50 ${f(figures.p50LatencyMs)} ms, p99 ${f(figures.p99LatencyMs)} ms (target ≤ 1: ${mark(pass.p99LatencyMs)})`,
        `  robot's own misses    ${figures.robotMissed} (its pacing, not the node)`,
        `  torque limit violations ${figures.torqueLimitViolations}, watchdog trips ${figures.watchdogTrips}`,
        `  load average (1 min)  ${load.before.toFixed(2)} before → ${load.after.toFixed(2)} after (${cpus().length} cores)`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
