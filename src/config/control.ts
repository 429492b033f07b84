/**
 * The control loop as data: the `control:` section of train.yaml. A real arm runs two loops: the
 * policy at its own rate (50–100 Hz), and the robot's controller (ros2_control's update loop,
 * 500–1000 Hz) holding each torque between policy steps (a zero-order hold). Between them, an
 * optional first-order low-pass filter and an optional torque rate limit shape the action; the same
 * code (sim/actionShaping.ts) runs in training and in the policy node, which reads these settings
 * back from the checkpoint's training config (`controlFromHyperparameters`).
 *
 * Every key is optional and off (or the task's own timing) when absent, so a config without
 * `control:` trains exactly as before. sim/controlTiming.ts maps the two rates to MuJoCo's
 * timestep × frame skip.
 */
import { z } from 'zod';
import { parseWith } from './validate.js';

/** Action shaping between the policy and the held torque (both off when absent). */
export interface ActionShapingSpec {
  /** Cutoff of a first-order low-pass filter on the action, Hz. */
  readonly actionFilterHz?: number;
  /** Largest torque change per second, N·m/s: one number for every joint, or one per joint. */
  readonly torqueRateLimit?: number | readonly number[];
}

/** The `control:` section. */
export interface ControlSpec extends ActionShapingSpec {
  /** Policy (environment step) rate, Hz; default 1 / (MJCF timestep × the task's frame skip). */
  readonly policyRateHz?: number;
  /**
   * Controller rate, Hz: the physics steps over which each torque is held (1 / MuJoCo timestep);
   * default 1 / the MJCF's timestep. Must be a whole multiple of the policy rate.
   */
  readonly controllerRateHz?: number;
}

/** Relative tolerance of "a whole multiple" (rates such as 1000/3 Hz come from divisions). */
export const RATE_RATIO_TOLERANCE = 1e-9;

/**
 * The frame skip k = controller / policy when it is a whole number ≥ 1, else undefined.
 * Both rates in Hz.
 */
export function holdSteps(controllerRateHz: number, policyRateHz: number): number | undefined {
  const ratio = controllerRateHz / policyRateHz;
  const k = Math.round(ratio);
  return k >= 1 && Math.abs(ratio - k) <= RATE_RATIO_TOLERANCE * k ? k : undefined;
}

const rateHz = z.number().positive().finite().max(100_000);

export const ControlSpecSchema = z
  .strictObject({
    policyRateHz: rateHz.optional(),
    controllerRateHz: rateHz.optional(),
    actionFilterHz: z.number().positive().finite().optional(),
    torqueRateLimit: z
      .union([
        z.number().positive().finite(),
        z.array(z.number().positive().finite()).min(1, 'expected at least one joint'),
      ])
      .optional(),
  })
  .superRefine((c, ctx) => {
    const { policyRateHz: p, controllerRateHz: r } = c;
    if (p !== undefined && r !== undefined && holdSteps(r, p) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['controllerRateHz'],
        message: `expected a whole multiple k × policyRateHz (${p} Hz), k ≥ 1: the controller holds each action for k steps`,
      });
    }
  });

/** The shaping part of a control spec (what the node needs). */
export function shapingOf(control: ControlSpec | undefined): ActionShapingSpec {
  const out: { actionFilterHz?: number; torqueRateLimit?: number | readonly number[] } = {};
  if (control?.actionFilterHz !== undefined) out.actionFilterHz = control.actionFilterHz;
  if (control?.torqueRateLimit !== undefined) out.torqueRateLimit = control.torqueRateLimit;
  return out;
}

/**
 * The control settings a run trained with, from a checkpoint manifest's `hyperparameters` (the
 * resolved training config); `{}` for checkpoints written before `control:` existed.
 * @throws Error naming `source` (the manifest) and the offending key.
 */
export function controlFromHyperparameters(
  hyperparameters: Readonly<Record<string, unknown>>,
  source: string,
): ControlSpec {
  const control = hyperparameters['control'];
  if (control === undefined) return {};
  return parseWith(ControlSpecSchema, control, `${source} (hyperparameters.control)`);
}
