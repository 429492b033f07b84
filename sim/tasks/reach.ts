/**
 * reach: move the end effector of any n-joint torque-controlled arm (a robot folder) to a target
 * drawn in a workspace box in its base frame. On the built-in arm7 with the default parameters this
 * is arm7-reach, bit for bit.
 *
 * - Timing: the robot's MJCF timestep × robot.yaml frameSkip (arm7: 0.004 s × 5 = 50 Hz); horizon
 *   from the task (default 150 steps).
 * - Reset: q = robot.home + U(±resetNoise) per joint (drawn joint by joint), q̇ = 0; then the target
 *   uniform in the workspace box, x, y, z in that order.
 * - Observation (2n + 6): q (n), q̇ (n), target − ee (3), target (3).
 * - Reward: −w_d ‖ee − target‖ − w_τ Σ (τ_i / τmax_i)² − w_v ‖q̇‖², τ = gear × action: the distance
 *   dominates; the torque cost is normalised by each joint's limit so wrist and shoulder count alike.
 * - Success: distance < successRadius. Terminated only by a non-finite state; truncated at horizon.
 */
import type { ReachParams, TaskSelection } from '../../src/config/index.js';
import type { Random } from '../../src/util/index.js';
import type { ObservationInput, ResetTarget, RewardInput, TaskDefinition } from './types.js';
import { allFinite } from './types.js';

/**
 * Observation of reach for n joints.
 * @param input jointPos/jointVel of the n commanded joints (rad, rad/s); target and endEffector in
 *   world coordinates (m).
 * @param out Shape: (2n + 6) = [q (n), q̇ (n), target − ee (3), target (3)].
 */
export function observeReach(n: number, input: ObservationInput, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    out[i] = input.jointPos[i] ?? NaN;
    out[n + i] = input.jointVel[i] ?? NaN;
  }
  for (let k = 0; k < 3; k++) {
    const target = input.target[k] ?? NaN;
    out[2 * n + k] = target - (input.endEffector[k] ?? NaN);
    out[2 * n + 3 + k] = target;
  }
  return out;
}

/** Observation of arm7-reach (n = 7). Shape: (20). */
export function observeArm7Reach(input: ObservationInput, out: Float64Array): Float64Array {
  return observeReach(7, input, out);
}

/** The reach task on `selection.robot` with `selection.params` (kind reach). */
export function makeReachTask(selection: TaskSelection): TaskDefinition {
  const params = selection.params as ReachParams;
  const robot = selection.robot;
  const n = robot.jointNames.length;
  const home = Float64Array.from(robot.home);
  const noise = params.resetNoise;
  const box = params.workspace ?? robot.workspace;
  if (box === undefined) {
    throw new Error(`sim/makeReachTask(${selection.name}): no workspace in the task or robot`);
  }
  const low = Float64Array.from(box.low);
  const high = Float64Array.from(box.high);
  const gear = Float64Array.from(robot.jointNames, (_, i) => robot.actuatorGear?.[i] ?? 1);
  const limit = Float64Array.from(robot.torqueLimits);
  const { distance: wd, torque: wt, velocity: wv } = params.reward;
  return Object.freeze<TaskDefinition>({
    name: selection.name,
    frameSkip: robot.frameSkip,
    horizon: params.horizon,
    obsSize: 2 * n + 6,
    hasSuccess: true,
    successRadius: params.successRadius,
    hasTarget: true,
    observedJoints: Object.freeze([...robot.jointNames]),
    freshKinematics: true,
    endEffectorSite: robot.endEffectorSite,
    observationLayout: [
      ['joint positions (rad)', n],
      ['joint velocities (rad/s)', n],
      ['target − end effector (m)', 3],
      ['target (m)', 3],
    ],
    rewardFormula: `−${wd === 1 ? '' : `${wd} `}‖ee − target‖ − ${wt} Σ(τ/τmax)² − ${wv} ‖q̇‖²`,
    reset(rng: Random, state: ResetTarget): void {
      for (let i = 0; i < n; i++) {
        state.qpos[state.observedQposAdr[i] ?? i] =
          (home[i] ?? 0) + rng.uniformRange(-noise, noise);
        state.qvel[state.observedDofAdr[i] ?? i] = 0;
      }
      for (let k = 0; k < 3; k++) {
        state.target[k] = rng.uniformRange(low[k] ?? 0, high[k] ?? 0);
      }
    },
    observe(input: ObservationInput, out: Float64Array): void {
      observeReach(n, input, out);
    },
    reward(input: RewardInput): number {
      let torque = 0;
      for (let i = 0; i < input.action.length; i++) {
        const u = ((gear[i] ?? 1) * (input.action[i] ?? 0)) / (limit[i] ?? 1);
        torque += u * u;
      }
      let velocity = 0;
      for (let i = 0; i < input.jointVel.length; i++) {
        const v = input.jointVel[i] ?? 0;
        velocity += v * v;
      }
      return -wd * input.distance - wt * torque - wv * velocity;
    },
    terminated(obs: Float64Array): boolean {
      return !allFinite(obs);
    },
  });
}
