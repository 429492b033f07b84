/**
 * Policy rate and controller rate as MuJoCo timing. The robot's controller (ros2_control's update
 * loop) holds each torque until the next policy step: a zero-order hold. In simulation that is one
 * `ctrl` written per environment step and held over `frameSkip` physics steps, so
 *
 *   timestep  = 1 / controllerRateHz          (one controller tick per physics step)
 *   frameSkip = controllerRateHz / policyRateHz (a whole number: ticks per policy step)
 *   dt        = timestep × frameSkip = 1 / policyRateHz
 *
 * Without `control.policyRateHz` / `control.controllerRateHz`, the task's own timing stands bit for
 * bit (the MJCF's timestep and the task's frame skip), so the Gymnasium twins stay equal to
 * Gymnasium. A changed policy rate keeps the episode's duration in seconds: the horizon in steps
 * scales with the rate.
 */
import type { ControlSpec } from '../src/config/index.js';
import { holdSteps } from '../src/config/index.js';

/** The resolved timing of one task under a control spec. */
export interface ControlTiming {
  /** MuJoCo timestep, s (the controller period). */
  readonly timestep: number;
  /** Physics steps per environment step: the zero-order hold's length. */
  readonly frameSkip: number;
  /** Environment steps per episode. */
  readonly horizon: number;
  /** Control period of the policy, s: timestep × frameSkip. */
  readonly dt: number;
  /** 1 / timestep, Hz. */
  readonly controllerRateHz: number;
  /** 1 / dt, Hz. */
  readonly policyRateHz: number;
  /** Whether the timestep differs from the MJCF's (then the model's opt.timestep is written). */
  readonly timestepChanged: boolean;
}

/** The task's own timing, as MJCF and task definition give it. */
export interface NominalTiming {
  /** The MJCF's `<option timestep>`, s. */
  readonly timestep: number;
  readonly frameSkip: number;
  readonly horizon: number;
}

/**
 * Resolve the timing of a task under `control` (rates in Hz).
 * @param where the caller, for errors (e.g. "sim/TaskModel(arm7-reach)").
 * @throws Error naming the key and value when the controller rate is not a whole multiple of the
 *   policy rate.
 */
export function resolveControlTiming(
  nominal: NominalTiming,
  control: ControlSpec | undefined,
  where: string,
): ControlTiming {
  const nominalDt = nominal.timestep * nominal.frameSkip;
  const policyGiven = control?.policyRateHz;
  const controllerGiven = control?.controllerRateHz;
  if (policyGiven === undefined && controllerGiven === undefined) {
    return {
      timestep: nominal.timestep,
      frameSkip: nominal.frameSkip,
      horizon: nominal.horizon,
      dt: nominalDt,
      controllerRateHz: 1 / nominal.timestep,
      policyRateHz: 1 / nominalDt,
      timestepChanged: false,
    };
  }
  const controllerRateHz = controllerGiven ?? 1 / nominal.timestep;
  const policyRateHz = policyGiven ?? 1 / nominalDt;
  const frameSkip = holdSteps(controllerRateHz, policyRateHz);
  if (frameSkip === undefined) {
    const [key, value, other] =
      policyGiven !== undefined
        ? [
            'control.policyRateHz',
            policyGiven,
            `the controller rate ${controllerRateHz} Hz${controllerGiven === undefined ? ` (1 / the MJCF timestep ${nominal.timestep} s; set control.controllerRateHz)` : ''}`,
          ]
        : [
            'control.controllerRateHz',
            controllerGiven,
            `the policy rate ${policyRateHz} Hz (the task's 1 / (timestep × frame skip ${nominal.frameSkip}); set control.policyRateHz)`,
          ];
    throw new Error(
      `${where}: key '${key}' = ${value}: ${other} must be a whole multiple k × the policy rate, k ≥ 1 (the controller holds each action for k physics steps)`,
    );
  }
  const timestep = controllerGiven === undefined ? nominal.timestep : 1 / controllerGiven;
  const dt = timestep * frameSkip;
  // The same episode duration in seconds at the new policy rate.
  const horizon =
    policyGiven === undefined
      ? nominal.horizon
      : Math.max(1, Math.round(nominal.horizon * nominalDt * policyRateHz));
  return {
    timestep,
    frameSkip,
    horizon,
    dt,
    controllerRateHz,
    policyRateHz,
    timestepChanged: timestep !== nominal.timestep,
  };
}
