/**
 * `torquepilot deploy`: the policy node against the simulated robot node, on one transport, for a
 * fixed wall-clock duration, then a report. In process (`--transport inprocess`) both nodes share
 * one event loop; over DDS (`--transport ros`) they are two nodes of one process talking through
 * rmw, and the robot node also measures the round trip (joint state out → command in).
 */
import { collectGarbage } from '../../util/index.js';
import { percentile } from '../timing/index.js';
import type { DeploymentLoader } from '../control/index.js';
import { POLICY_NODE_NAME, SIM_ROBOT_NODE_NAME } from '../nodes/index.js';
import { PolicyNode } from '../nodes/index.js';
import type { RecorderFactory } from '../nodes/index.js';
import { SimRobotNode } from '../nodes/index.js';
import type { SimulatedRobot } from '../nodes/index.js';
import type { ParameterValue, Transport } from '../transport/index.js';

export interface DeployOptions {
  /** Checkpoint path (parameter `checkpoint`). */
  readonly checkpoint: string;
  /** Robot description path; '' = the checkpoint task's. */
  readonly robotDescription: string;
  readonly mode: 'sim' | 'real';
  /** Wall-clock seconds to run after activation. */
  readonly durationS: number;
  /** Control rate override in Hz (0 = the description's). */
  readonly rateHz: number;
  /** Sample N(μ, (exploreScale·σ)²) (parameter explore); false: the mean. */
  readonly explore: boolean;
  /** Parameter explore_scale, in [0.01, 1]. */
  readonly exploreScale: number;
  readonly seed: number;
  /** Robot pacing: realtime (zero-order hold at the task's dt) or lockstep (step per command). */
  readonly realtime: boolean;
  /** Policy node's tick_source ('auto': its default, joint_states in real mode). */
  readonly tickSource: 'timer' | 'joint_states' | 'auto';
  /** Robot pacing rate in Hz (realtime), 0 = the control rate asked for (rateHz). */
  readonly robotRateHz?: number;
  /** Record episodes into this bag directory ('' = off). */
  readonly recordPath: string;
  /** Extra policy-node parameters (launch-file style). */
  readonly extraParameters?: Readonly<Record<string, ParameterValue>>;
}

export const DEPLOY_DEFAULTS = Object.freeze({
  robotDescription: '',
  mode: 'sim' as const,
  durationS: 10,
  rateHz: 0,
  explore: false,
  exploreScale: 1,
  seed: 0,
  realtime: false,
  tickSource: 'timer' as const,
  recordPath: '',
});

/** The keys `deploy --json` promises (issue 6); the report has more. */
export const DEPLOY_REPORT_KEYS = Object.freeze([
  'ticks',
  'rateHz',
  'p50LatencyMs',
  'p99LatencyMs',
  'maxAbsTorque',
  'torqueLimitViolations',
  'watchdogTrips',
  'finalDistance',
] as const);

/** The report; the JSON keys are part of the CLI's contract. */
export interface DeployReport {
  readonly transport: 'inprocess' | 'ros';
  readonly ticks: number;
  /** Achieved control rate: ticks / wall time active (Hz). */
  readonly rateHz: number;
  readonly targetRateHz: number;
  /** Tick latency inside the policy node (joint state read → command published), ms. */
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly maxLatencyMs: number;
  readonly maxAbsTorque: number;
  readonly torqueLimitViolations: number;
  readonly watchdogTrips: number;
  readonly missedTicks: number;
  /** End-effector distance to target at the end (m; NaN for tasks without a target). */
  readonly finalDistance: number;
  /** Median of the distances at the end of each completed episode (NaN if none completed). */
  readonly medianEpisodeFinalDistance: number;
  readonly episodes: number;
  readonly robotSteps: number;
  /** Robot paced in real time (--realtime): steps its timer skipped (0 in lockstep). */
  readonly robotMissedSteps: number;
  readonly wrongSizeCommands: number;
  /** Over DDS: joint state published → command received, at the robot node (p99, ms). */
  readonly roundTripP50Ms?: number;
  readonly roundTripP99Ms?: number;
  readonly checkpointId: string;
  readonly durationS: number;
}

export interface DeployDependencies {
  readonly transport: Transport;
  readonly loader: DeploymentLoader;
  readonly robot: SimulatedRobot;
  readonly recorderFactory?: RecorderFactory;
  /** Sleep (tests may replace the wall clock); default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Run the deploy and return its report; shuts the transport down. */
export async function runDeploy(
  options: DeployOptions,
  deps: DeployDependencies,
): Promise<DeployReport> {
  const { transport, robot } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let robotNode: SimRobotNode | undefined;
  let policyNode: PolicyNode | undefined;
  const robotRateHz =
    (options.robotRateHz ?? 0) > 0 ? (options.robotRateHz as number) : options.rateHz;
  try {
    robotNode = new SimRobotNode(transport.createNode(SIM_ROBOT_NODE_NAME), {
      robot,
      jointStatesTopic: robot.jointStatesTopic,
      commandTopic: robot.commandTopic,
      realtime: options.realtime,
      // A paced robot steps at its own rate if given (controller_manager's update_rate), else at
      // the control rate asked for.
      ...(robotRateHz > 0 ? { updateRateHz: robotRateHz } : {}),
      // The round trip is timed for the joint state each command answers (by its stamp).
      answeredStateStamp: () => policyNode?.answeredStateStampNs ?? null,
      publishClock: false,
      seed: options.seed,
    });
    const handle = transport.createLifecycleNode(
      POLICY_NODE_NAME,
      (node) => {
        policyNode = new PolicyNode(node, {
          loader: deps.loader,
          beforeControlLoop: collectGarbage,
          ...(deps.recorderFactory !== undefined ? { recorderFactory: deps.recorderFactory } : {}),
        });
        return policyNode.callbacks();
      },
      {
        parameterOverrides: {
          mode: options.mode,
          checkpoint: options.checkpoint,
          robot_description: options.robotDescription,
          control_rate: options.rateHz,
          explore: options.explore,
          explore_scale: options.exploreScale,
          seed: options.seed,
          tick_source: options.tickSource,
          record_path: options.recordPath,
          ...options.extraParameters,
        },
      },
    );
    const pn = policyNode as PolicyNode;
    transport.spin();
    for (const t of ['configure', 'activate'] as const) {
      const r = handle.trigger(t);
      if (!r.success) throw new Error(`deploy: ${t} failed: ${r.reason ?? 'see the log'}`);
    }
    if (options.mode === 'real') {
      // The simulated "real" robot: arm explicitly, as an operator would, so the ramp runs.
      const r = pn.node.setParameters([{ name: 'armed', value: true }]);
      if (!r.successful) throw new Error(`deploy: arming failed: ${r.reason}`);
    }
    robotNode.start();
    const start = process.hrtime.bigint();
    await sleep(options.durationS * 1000);
    const stats = pn.stats();
    const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
    const deployment = pn.deployment;
    const targetRateHz =
      options.rateHz > 0 ? options.rateHz : (deployment?.description.controlRateHz ?? NaN);
    const checkpointId = deployment?.policy.checkpointId ?? '';
    handle.trigger('deactivate');
    const robotStats = robotNode.stats();
    const latencies = pn.latencyNs.recent();
    const roundTrips = robotNode.roundTripNs.recent();
    const finals = [...robotStats.finalDistances];
    const report: DeployReport = {
      transport: transport.kind,
      ticks: stats.ticks,
      rateHz: stats.ticks / elapsedS,
      targetRateHz,
      p50LatencyMs: percentile(latencies, 50) / 1e6,
      p99LatencyMs: percentile(latencies, 99) / 1e6,
      maxLatencyMs: pn.latencyNs.max / 1e6,
      maxAbsTorque: stats.maxAbsTorque,
      torqueLimitViolations: stats.torqueLimitViolations,
      watchdogTrips: stats.watchdogTrips,
      missedTicks: stats.missedTicks,
      finalDistance: robotStats.distance,
      medianEpisodeFinalDistance: percentile(finals, 50),
      episodes: robotStats.episodes,
      robotSteps: robotStats.steps,
      robotMissedSteps: robotStats.missedSteps,
      wrongSizeCommands: robotStats.wrongSizeCommands,
      ...(transport.kind === 'ros'
        ? {
            roundTripP50Ms: percentile(roundTrips, 50) / 1e6,
            roundTripP99Ms: percentile(roundTrips, 99) / 1e6,
          }
        : {}),
      checkpointId,
      durationS: elapsedS,
    };
    handle.trigger('shutdown');
    await pn.recordingsClosed();
    return report;
  } finally {
    // Stop stepping before the simulation goes away (a timer may still fire during shutdown).
    robotNode?.stop();
    robot.close();
    await transport.shutdown();
  }
}
