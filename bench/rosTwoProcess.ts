/**
 * bench/rosTwoProcess.ts — bench/ros.ts's default run: the policy node and the arm in two
 * processes, talking over Fast DDS on loopback, as an operator's deploy and an arm's driver do.
 *
 *   policy process: bench/rosPolicyProcess.ts (the `torquepilot node` composition, default
 *     settings, `--autostart --armed`), logging (tick start, answered state stamp) per tick;
 *   arm process: bench/ros_arm_standin.py (rclpy, 7 joints, /joint_states at the robot rate),
 *     logging (stamp, publish time) per state and the arrival time of each command.
 *
 * Join, on the machine's CLOCK_MONOTONIC (shared by both processes): a command that arrived at a
 * answers the tick with the latest start ≤ a (ticks are a control period apart, commands arrive
 * within a fraction of one), whose answered stamp names the state; round trip = a − that state's
 * publish time. Missed periods are the node's own count (DeadlineSchedule: a period of its grid
 * that ended without a command while joint states were fresh).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRosEnvironment, percentile, ROS_SETUP_HINT } from '../src/ros/index.js';
import { ManagedProcess, peerPython, ROOT, rosProcessEnv } from '../test/ros/dds/harness.js';

/** What the two-process run measured. */
export interface TwoProcessFigures {
  readonly ticks: number;
  readonly missedTicks: number;
  readonly watchdogTrips: number;
  readonly torqueLimitViolations: number;
  readonly targetRateHz: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly roundTripP50Ms: number;
  readonly roundTripP99Ms: number;
  readonly roundTripMaxMs: number;
  /** Commands timed (joined to a tick and its state). */
  readonly roundTrips: number;
  /** Commands not joined (before the first tick log, or a tick that answered no state). */
  readonly unmatchedCommands: number;
  readonly statesPublished: number;
  /** The arm's own publications ≥ 1 period late (its pacing thread, not the node). */
  readonly robotLatePublications: number;
}

interface PolicyLog {
  ticks: number;
  missedTicks: number;
  watchdogTrips: number;
  torqueLimitViolations: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  targetRateHz: number;
  tickStartNs: string[];
  answeredStampNs: (string | null)[];
}

interface ArmLog {
  published: [string, number][];
  commands: [number, boolean][];
  latePublications: number;
}

/** Round trips (ns) of the commands in `arm`, each joined to the tick and state it answers. */
export function joinRoundTrips(
  policy: Pick<PolicyLog, 'tickStartNs' | 'answeredStampNs'>,
  arm: Pick<ArmLog, 'published' | 'commands'>,
): { roundTripsNs: number[]; unmatched: number } {
  const sentAt = new Map<bigint, bigint>();
  for (const [stamp, sent] of arm.published) sentAt.set(BigInt(stamp), BigInt(sent));
  const starts = policy.tickStartNs.map((s) => BigInt(s));
  const roundTripsNs: number[] = [];
  let unmatched = 0;
  let k = 0; // commands arrive in order: walk the ticks forward
  for (const [arrived] of arm.commands) {
    const a = BigInt(arrived);
    while (k + 1 < starts.length && (starts[k + 1] as bigint) <= a) k++;
    const start = starts[k];
    const stamp = policy.answeredStampNs[k];
    const sent = stamp === null || stamp === undefined ? undefined : sentAt.get(BigInt(stamp));
    if (start === undefined || start > a || sent === undefined) unmatched++;
    else roundTripsNs.push(Number(a - sent));
  }
  return { roundTripsNs, unmatched };
}

/** Run the two processes for `durationS` of joint states at `robotRateHz`; returns the figures. */
export async function runTwoProcess(opts: {
  readonly checkpoint: string;
  readonly durationS: number;
  readonly robotRateHz: number;
  readonly domainId: number;
  readonly busyPoll: boolean;
}): Promise<TwoProcessFigures> {
  const ros = findRosEnvironment();
  if (ros === null)
    throw new Error(`bench/rosTwoProcess.ts: no ROS 2 environment; ${ROS_SETUP_HINT}`);
  const tmp = mkdtempSync(join(tmpdir(), 'tp-bench-ros2p-'));
  const policyOut = join(tmp, 'policy.json');
  const armOut = join(tmp, 'arm.json');
  let policy: ManagedProcess | undefined;
  let arm: ManagedProcess | undefined;
  try {
    policy = ManagedProcess.start(
      'policy',
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        join(ROOT, 'bench', 'rosPolicyProcess.ts'),
        '--checkpoint',
        opts.checkpoint,
        '--out',
        policyOut,
        ...(opts.busyPoll ? ['--busy-poll'] : []),
      ],
      rosProcessEnv(opts.domainId, { node: true }),
    );
    await policy.waitForLine(/"event":"ready"/, 60_000);
    arm = ManagedProcess.start(
      'arm',
      peerPython(ros),
      [
        join(ROOT, 'bench', 'ros_arm_standin.py'),
        '--rate',
        String(opts.robotRateHz),
        '--duration',
        String(opts.durationS),
        '--out',
        armOut,
      ],
      rosProcessEnv(opts.domainId, { node: false }),
    );
    await arm.waitForLine(/"event": "done"/, (opts.durationS + 60) * 1000);
    policy.child.stdin?.write('stop\n');
    const [armExit, policyExit] = await Promise.all([
      arm.waitForExit(30_000),
      policy.waitForExit(30_000),
    ]);
    if (armExit !== 0 || policyExit !== 0) {
      throw new Error(
        `bench/rosTwoProcess.ts: arm exited ${armExit}, policy node ${policyExit}\n${arm.tail()}\n${policy.tail()}`,
      );
    }
    const p = JSON.parse(readFileSync(policyOut, 'utf8')) as PolicyLog;
    const a = JSON.parse(readFileSync(armOut, 'utf8')) as ArmLog;
    const { roundTripsNs, unmatched } = joinRoundTrips(p, a);
    return {
      ticks: p.ticks,
      missedTicks: p.missedTicks,
      watchdogTrips: p.watchdogTrips,
      torqueLimitViolations: p.torqueLimitViolations,
      targetRateHz: p.targetRateHz,
      p50LatencyMs: p.p50LatencyMs,
      p99LatencyMs: p.p99LatencyMs,
      roundTripP50Ms: percentile(roundTripsNs, 50) / 1e6,
      roundTripP99Ms: percentile(roundTripsNs, 99) / 1e6,
      roundTripMaxMs: Math.max(...roundTripsNs) / 1e6,
      roundTrips: roundTripsNs.length,
      unmatchedCommands: unmatched,
      statesPublished: a.published.length,
      robotLatePublications: a.latePublications,
    };
  } finally {
    await arm?.stop();
    await policy?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
