/**
 * arm7-reach: move the flange of a Panda-sized 7-joint arm (models/arm7-reach/model.xml) to a
 * target drawn in the workspace in front of it, by joint torques, under uncompensated gravity.
 *
 * - Timing: timestep 0.004 s (implicitfast), frame skip 5, so control runs at 50 Hz (dt 0.02 s);
 *   horizon 150 steps (3 s).
 * - Reset: q = q_home + U(±0.1) per joint (q_home is the Panda "ready" pose
 *   [0, −π/4, 0, −3π/4, 0, π/2, π/4], flange at (0.307, 0, 0.590)); q̇ = 0; then the target uniform
 *   in the box x ∈ [0.30, 0.60], y ∈ [−0.25, 0.25], z ∈ [0.25, 0.65] m.
 * - Observation (20): q (7), q̇ (7), target − flange (3), target (3).
 * - Reward: −‖flange − target‖ − 0.01 Σ (τ_i / τmax_i)² − 0.001 ‖q̇‖²: the distance dominates; the
 *   torque cost is normalised by each joint's limit so wrist and shoulder count alike.
 * - Success: distance < 0.03 m. Terminated only by a non-finite state; truncated at 150 steps.
 */
import type { Random } from '../../src/util/index.js';
import type { ObservationInput, ResetTarget, RewardInput, TaskDefinition } from './types.js';
import { allFinite } from './types.js';

/** The Panda "ready" pose, rad (franka_ros / MoveIt default). */
export const ARM7_HOME: readonly number[] = Object.freeze([
  0,
  -Math.PI / 4,
  0,
  (-3 * Math.PI) / 4,
  0,
  Math.PI / 2,
  Math.PI / 4,
]);
/** Per-joint torque limits, N·m (Panda datasheet); equal to the actuators' ctrlrange. */
export const ARM7_TORQUE_LIMITS: readonly number[] = Object.freeze([87, 87, 87, 87, 12, 12, 12]);
/** Joint reset noise half-width, rad. */
const QPOS_NOISE = 0.1;
/** Target box, m: [low, high] per axis, in front of the robot around the home flange position. */
const TARGET_LOW = [0.3, -0.25, 0.25] as const;
const TARGET_HIGH = [0.6, 0.25, 0.65] as const;
/** Weight of the normalised squared torque cost. */
const TORQUE_WEIGHT = 0.01;
/** Weight of the squared joint-velocity cost, per (rad/s)². */
const VELOCITY_WEIGHT = 0.001;
/** Success radius, m. */
const SUCCESS_RADIUS = 0.03;

/**
 * Observation of arm7-reach.
 * @param input jointPos/jointVel = joint1..joint7 (rad, rad/s); target and endEffector (flange) in
 *   world coordinates (m).
 * @param out Shape: (20) = [q (7), q̇ (7), target − flange (3), target (3)].
 */
export function observeArm7Reach(input: ObservationInput, out: Float64Array): Float64Array {
  for (let i = 0; i < 7; i++) {
    out[i] = input.jointPos[i] ?? NaN;
    out[7 + i] = input.jointVel[i] ?? NaN;
  }
  for (let k = 0; k < 3; k++) {
    const target = input.target[k] ?? NaN;
    out[14 + k] = target - (input.endEffector[k] ?? NaN);
    out[17 + k] = target;
  }
  return out;
}

export const arm7Reach: TaskDefinition = Object.freeze<TaskDefinition>({
  name: 'arm7-reach',
  frameSkip: 5,
  horizon: 150,
  obsSize: 20,
  hasSuccess: true,
  successRadius: SUCCESS_RADIUS,
  hasTarget: true,
  observedJoints: ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'],
  freshKinematics: true,
  endEffectorSite: 'ee',
  observationLayout: [
    ['joint positions (rad)', 7],
    ['joint velocities (rad/s)', 7],
    ['target − flange (m)', 3],
    ['target (m)', 3],
  ],
  rewardFormula: '−‖flange − target‖ − 0.01 Σ(τ/τmax)² − 0.001 ‖q̇‖²',
  reset(rng: Random, state: ResetTarget): void {
    for (let i = 0; i < 7; i++) {
      state.qpos[i] = (ARM7_HOME[i] ?? 0) + rng.uniformRange(-QPOS_NOISE, QPOS_NOISE);
      state.qvel[i] = 0;
    }
    for (let k = 0; k < 3; k++) {
      state.target[k] = rng.uniformRange(TARGET_LOW[k] ?? 0, TARGET_HIGH[k] ?? 0);
    }
  },
  observe: observeArm7Reach,
  reward(input: RewardInput): number {
    let torque = 0;
    for (let i = 0; i < input.action.length; i++) {
      const u = (input.action[i] ?? 0) / (ARM7_TORQUE_LIMITS[i] ?? 1);
      torque += u * u;
    }
    let velocity = 0;
    for (let i = 0; i < input.jointVel.length; i++) {
      const v = input.jointVel[i] ?? 0;
      velocity += v * v;
    }
    return -input.distance - TORQUE_WEIGHT * torque - VELOCITY_WEIGHT * velocity;
  },
  terminated(obs: Float64Array): boolean {
    return !allFinite(obs);
  },
});
