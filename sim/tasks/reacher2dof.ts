/**
 * reacher-2dof: Gymnasium's Reacher-v5 (gymnasium/envs/mujoco/reacher_v5.py).
 *
 * - Model: planar 2-link arm (links 0.1 m and 0.11 m to the fingertip), motors gear 200, ctrlrange
 *   [-1, 1]; the target is a body on two slide joints (target_x, target_y) so it lives in qpos[2:4].
 *   RK4, timestep 0.01 s, frame skip 2 (dt 0.02 s).
 * - Reset (reset_model): qpos = qpos0 + U(±0.1) (all 4), then the goal by rejection sampling
 *   (U(±0.2)² until ‖goal‖ < 0.2) into qpos[2:4], then qvel = U(±0.005) (all 4) with qvel[2:4] = 0.
 * - Observation (10): cos q0, cos q1, sin q0, sin q1, target x, y, q̇0, q̇1,
 *   (fingertip − target) x, y. v5 drops the always-zero z entry.
 * - Reward (v5, after the physics step): −‖fingertip − target‖ − ‖a‖², weights 1 and 1.
 *   `a` is the action as applied (clipped to [-1, 1]), which is what Gymnasium sees behind SB3's
 *   action clipping.
 * - Never terminates (only non-finite states); truncated at 50 steps.
 */
import type { Random } from '../../src/util/index.js';
import type { ObservationInput, ResetTarget, RewardInput, TaskDefinition } from './types.js';
import { allFinite } from './types.js';

/** Arm reset noise half-width, rad (Gymnasium: U(-0.1, 0.1)). */
const QPOS_NOISE = 0.1;
/** Arm velocity reset noise half-width, rad/s (Gymnasium: U(-0.005, 0.005)). */
const QVEL_NOISE = 0.005;
/** Target disc radius, m (Gymnasium: ‖goal‖ < 0.2). */
const TARGET_RADIUS = 0.2;
/** reward_dist_weight (Gymnasium default 1). */
const DIST_WEIGHT = 1;
/** reward_control_weight (Gymnasium default 1). */
const CONTROL_WEIGHT = 1;

/**
 * Observation of Reacher-v5.
 * @param input jointPos/jointVel = [joint0, joint1]; target = target position (world, 3);
 *   endEffector = fingertip position (world, 3).
 * @param out Shape: (10).
 */
export function observeReacher(input: ObservationInput, out: Float64Array): Float64Array {
  const q0 = input.jointPos[0] ?? NaN;
  const q1 = input.jointPos[1] ?? NaN;
  out[0] = Math.cos(q0);
  out[1] = Math.cos(q1);
  out[2] = Math.sin(q0);
  out[3] = Math.sin(q1);
  out[4] = input.target[0] ?? NaN;
  out[5] = input.target[1] ?? NaN;
  out[6] = input.jointVel[0] ?? NaN;
  out[7] = input.jointVel[1] ?? NaN;
  out[8] = (input.endEffector[0] ?? NaN) - (input.target[0] ?? NaN);
  out[9] = (input.endEffector[1] ?? NaN) - (input.target[1] ?? NaN);
  return out;
}

export const reacher2dof: TaskDefinition = Object.freeze<TaskDefinition>({
  name: 'reacher-2dof',
  frameSkip: 2,
  horizon: 50,
  obsSize: 10,
  hasSuccess: false,
  successRadius: NaN,
  hasTarget: true,
  observedJoints: ['joint0', 'joint1'],
  freshKinematics: false,
  endEffectorSite: 'fingertip',
  targetBody: 'target',
  observationLayout: [
    ['cos(joint0, joint1)', 2],
    ['sin(joint0, joint1)', 2],
    ['target x, y (m)', 2],
    ['joint velocities (rad/s)', 2],
    ['fingertip − target x, y (m)', 2],
  ],
  rewardFormula: '−‖fingertip − target‖ − ‖a‖²',
  reset(rng: Random, state: ResetTarget): void {
    const { qpos, qvel } = state;
    for (let i = 0; i < qpos.length; i++) {
      qpos[i] = rng.uniformRange(-QPOS_NOISE, QPOS_NOISE) + (qpos[i] ?? 0);
    }
    let gx: number;
    let gy: number;
    do {
      gx = rng.uniformRange(-TARGET_RADIUS, TARGET_RADIUS);
      gy = rng.uniformRange(-TARGET_RADIUS, TARGET_RADIUS);
    } while (!(Math.sqrt(gx * gx + gy * gy) < TARGET_RADIUS));
    qpos[2] = gx;
    qpos[3] = gy;
    for (let i = 0; i < qvel.length; i++) {
      qvel[i] = (qvel[i] ?? 0) + rng.uniformRange(-QVEL_NOISE, QVEL_NOISE);
    }
    qvel[2] = 0;
    qvel[3] = 0;
  },
  observe: observeReacher,
  reward(input: RewardInput): number {
    let control = 0;
    for (let i = 0; i < input.action.length; i++) {
      const a = input.action[i] ?? 0;
      control += a * a;
    }
    return -input.distance * DIST_WEIGHT - control * CONTROL_WEIGHT;
  },
  terminated(obs: Float64Array): boolean {
    return !allFinite(obs);
  },
});
