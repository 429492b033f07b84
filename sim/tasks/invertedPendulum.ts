/**
 * inverted-pendulum: Gymnasium's InvertedPendulum-v5 (gymnasium/envs/mujoco/inverted_pendulum_v5.py),
 * so that returns compare with published SB3 results.
 *
 * - Model: a cart on a slider (range ±1 m) with a hinged capsule pole; motor gear 100, ctrlrange
 *   [-3, 3]; RK4, timestep 0.02 s, frame skip 2 (dt 0.04 s).
 * - Reset: qpos = qpos0 + U(±0.01), qvel = U(±0.01), drawn in that order (nq then nv draws).
 * - Observation: [cart x, pole angle, cart ẋ, pole angular velocity] = [qpos, qvel] (4).
 * - Reward (v5): 1 when the new state is not terminal, 0 on the terminating step
 *   (v5 "fixed bug: healthy_reward was given on every step").
 * - Terminated: |pole angle| > 0.2 rad or any observation entry non-finite. Truncated at 1000 steps.
 */
import type { Random } from '../../src/util/index.js';
import type { ObservationInput, ResetTarget, RewardInput, TaskDefinition } from './types.js';
import { allFinite } from './types.js';

/** Reset noise half-width (Gymnasium `reset_noise_scale`, default 0.01). */
const RESET_NOISE = 0.01;
/** Pole angle beyond which the episode terminates, rad (Gymnasium: 0.2). */
const MAX_POLE_ANGLE = 0.2;

/**
 * Observation of InvertedPendulum-v5 from the cart/pole joint state.
 * @param input jointPos = [slider, hinge], jointVel = [slider, hinge]; target/endEffector unused.
 * @param out Shape: (4).
 */
export function observeInvertedPendulum(input: ObservationInput, out: Float64Array): Float64Array {
  out[0] = input.jointPos[0] ?? NaN;
  out[1] = input.jointPos[1] ?? NaN;
  out[2] = input.jointVel[0] ?? NaN;
  out[3] = input.jointVel[1] ?? NaN;
  return out;
}

function terminated(obs: Float64Array): boolean {
  return !allFinite(obs) || Math.abs(obs[1] ?? NaN) > MAX_POLE_ANGLE;
}

export const invertedPendulum: TaskDefinition = Object.freeze<TaskDefinition>({
  name: 'inverted-pendulum',
  frameSkip: 2,
  horizon: 1000,
  obsSize: 4,
  hasSuccess: false,
  successRadius: NaN,
  hasTarget: false,
  observedJoints: ['slider', 'hinge'],
  freshKinematics: false,
  endEffectorSite: 'pole_tip',
  observationLayout: [
    ['cart position (m)', 1],
    ['pole angle (rad)', 1],
    ['cart velocity (m/s)', 1],
    ['pole angular velocity (rad/s)', 1],
  ],
  rewardFormula: '1 if not terminated else 0',
  reset(rng: Random, state: ResetTarget): void {
    // Gymnasium draws the whole qpos vector, then the whole qvel vector.
    for (let i = 0; i < state.qpos.length; i++) {
      state.qpos[i] = (state.qpos[i] ?? 0) + rng.uniformRange(-RESET_NOISE, RESET_NOISE);
    }
    for (let i = 0; i < state.qvel.length; i++) {
      state.qvel[i] = (state.qvel[i] ?? 0) + rng.uniformRange(-RESET_NOISE, RESET_NOISE);
    }
  },
  observe: observeInvertedPendulum,
  reward(input: RewardInput): number {
    return terminated(input.obs) ? 0 : 1;
  },
  terminated,
});
