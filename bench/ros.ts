/**
 * bench/ros.ts — the policy node at 500 Hz against the simulated robot node over real DDS.
 *
 * Runs `torquepilot deploy --transport ros --mode sim --rate <hz> --duration <s> --json` (both nodes
 * on rclnodejs, talking over Fast DDS on loopback, domain 54) and prints the figures of issue 9
 * against their targets:
 *   tick latency inside the node (joint state in → command out, policy included): p99 ≤ 1 ms;
 *   round trip at the robot node (joint state out → command in): p99 ≤ 2 ms;
 *   no missed tick.
 *
 * By default the robot paces itself (realtime: one step per period, as a ros2_control loop does),
 * the policy node ticks on each joint state (tick_source joint_states, capped at the control
 * rate), and both poll instead of sleeping (--busy-poll): so the round trip is two topic hops and
 * one tick, and no tick waits on a kernel wake-up. `--tick-source timer --lockstep --sleep` gives
 * the other end: the node's own timer, a robot that steps on each command, sleeping waits.
 *
 * Usage: npx tsx bench/ros.ts [--duration 60] [--rate 500] [--checkpoint DIR] [--json]
 *                             [--tick-source joint_states|timer] [--lockstep] [--sleep]
 * Without --checkpoint it makes a random-weights arm7-reach checkpoint (the forward pass costs the
 * same as a trained one's). Needs `npm run setup:ros` (or a sourced ROS 2).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRosEnvironment, projectRoot, ROS_SETUP_HINT } from '../src/ros/index.js';
import { saveRandomArm7Checkpoint } from '../test/fixtures/arm7Checkpoint.js';

/** Bench options; defaults are the figures. */
interface RosBenchOptions {
  /** Seconds the deploy runs (issue 9: 60 s). */
  readonly durationS: number;
  /** Control rate, Hz (issue 9: 500 Hz). */
  readonly rateHz: number;
  /** Checkpoint directory; '' = a random-weights arm7-reach checkpoint made here. */
  readonly checkpoint: string;
  /** Print one JSON object instead of the table. */
  readonly json: boolean;
  /** ROS_DOMAIN_ID (the DDS tests' and benches' range is 51–60). */
  readonly domainId: number;
  /** What ticks the policy node. */
  readonly tickSource: 'joint_states' | 'timer';
  /** Robot pacing: its own real-time steps (true) or one step per command (false). */
  readonly realtime: boolean;
  /** Poll instead of sleeping between ticks (deploy --busy-poll). */
  readonly busyPoll: boolean;
}

const DEFAULTS: Readonly<RosBenchOptions> = Object.freeze({
  durationS: 60, // issue 9: 60 s
  rateHz: 500, // issue 9: 500 Hz
  checkpoint: '', // made here
  json: false, // table
  domainId: 54, // own domain in 51–60
  tickSource: 'joint_states', // answer each joint state, as a ros2_control controller does
  realtime: true, // the robot paces itself, as hardware does
  busyPoll: true, // no kernel wake-up on the critical path (see bench/jitter.ts)
});

/** Targets of issue 9. */
const TARGETS = Object.freeze({ p99LatencyMs: 1, roundTripP99Ms: 2, missedTicks: 0 });

function parseArgs(argv: readonly string[]): RosBenchOptions {
  const opts: { -readonly [K in keyof RosBenchOptions]: RosBenchOptions[K] } = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench/ros.ts: ${arg} needs a value`);
      return v;
    };
    if (arg === '--duration') opts.durationS = Number(value());
    else if (arg === '--rate') opts.rateHz = Number(value());
    else if (arg === '--checkpoint') opts.checkpoint = value();
    else if (arg === '--json') opts.json = true;
    else if (arg === '--lockstep') opts.realtime = false;
    else if (arg === '--sleep') opts.busyPoll = false;
    else if (arg === '--tick-source') {
      const v = value();
      if (v !== 'joint_states' && v !== 'timer') {
        throw new Error(`bench/ros.ts: --tick-source '${v}' is not one of joint_states, timer`);
      }
      opts.tickSource = v;
    } else
      throw new Error(
        `bench/ros.ts: unknown argument '${arg}' (--duration, --rate, --checkpoint, --json, --tick-source, --lockstep, --sleep)`,
      );
  }
  if (!(opts.durationS > 0) || !(opts.rateHz > 0)) {
    throw new Error(
      `bench/ros.ts: --duration and --rate must be > 0, got ${opts.durationS}, ${opts.rateHz}`,
    );
  }
  return opts;
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  if (findRosEnvironment() === null) {
    throw new Error(`bench/ros.ts: no ROS 2 environment; ${ROS_SETUP_HINT}`);
  }
  const root = projectRoot(fileURLToPath(new URL('.', import.meta.url)));
  const tmp = mkdtempSync(join(tmpdir(), 'tp-bench-ros-'));
  try {
    const checkpoint =
      opts.checkpoint !== '' ? opts.checkpoint : saveRandomArm7Checkpoint(join(tmp, 'arm7-random'));
    const args = [
      '--import',
      'tsx',
      join(root, 'src/cli.ts'),
      'deploy',
      '--transport',
      'ros',
      '--mode',
      'sim',
      '--checkpoint',
      checkpoint,
      '--rate',
      String(opts.rateHz),
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
    const figures = {
      rateHz: num('rateHz'),
      targetRateHz: opts.rateHz,
      durationS: opts.durationS,
      ticks: num('ticks'),
      missedTicks: num('missedTicks'),
      robotMissedSteps: num('robotMissedSteps'),
      p50LatencyMs: num('p50LatencyMs'),
      p99LatencyMs: num('p99LatencyMs'),
      roundTripP50Ms: num('roundTripP50Ms'),
      roundTripP99Ms: num('roundTripP99Ms'),
      torqueLimitViolations: num('torqueLimitViolations'),
      watchdogTrips: num('watchdogTrips'),
    };
    const pass = {
      p99LatencyMs: figures.p99LatencyMs <= TARGETS.p99LatencyMs,
      roundTripP99Ms: figures.roundTripP99Ms <= TARGETS.roundTripP99Ms,
      missedTicks: figures.missedTicks <= TARGETS.missedTicks,
    };
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ options: opts, figures, targets: TARGETS, pass, report })}\n`,
      );
      return;
    }
    const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
    const mark = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
    process.stdout.write(
      [
        `ROS 2 over DDS: policy node at ${opts.rateHz} Hz vs sim robot node, ${opts.durationS} s (tick on ${opts.tickSource}, robot ${opts.realtime ? 'realtime' : 'lockstep'}, ${opts.busyPoll ? 'busy-poll' : 'sleeping waits'})`,
        `  ticks                 ${figures.ticks} at ${f(figures.rateHz)} Hz, missed ${figures.missedTicks} (target 0: ${mark(pass.missedTicks)})`,
        `  tick latency (node)   p50 ${f(figures.p50LatencyMs)} ms, p99 ${f(figures.p99LatencyMs)} ms (target ≤ 1: ${mark(pass.p99LatencyMs)})`,
        `  round trip (robot)    p50 ${f(figures.roundTripP50Ms)} ms, p99 ${f(figures.roundTripP99Ms)} ms (target ≤ 2: ${mark(pass.roundTripP99Ms)})`,
        `  robot missed steps    ${figures.robotMissedSteps} (its own pacing timer)`,
        `  torque limit violations ${figures.torqueLimitViolations}, watchdog trips ${figures.watchdogTrips}`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
