/**
 * Action shaping between the policy and the torque the controller holds: an optional first-order
 * low-pass filter and an optional torque rate limit, applied once per policy step. One class, used
 * by the training environment (sim/env.ts, after clipping to the actuator range, before the latency
 * line) and by the policy node's ControlStep (src/ros/control/, before the safety layer), so that a
 * deployed policy meets the same shaping it was trained with.
 *
 * One state per joint: the last shaped action y (actuator units), zero after `reset()` (the arm
 * starts from zero torque). Each step, for the clipped action x:
 *
 *   y_k = y_{k−1} + clamp(α · (x_k − y_{k−1}), −Δ_j, +Δ_j)
 *
 * - α = dt / (RC + dt), RC = 1 / (2π f_c): the discrete first-order (RC) low-pass filter, the
 *   backward-Euler realisation of τ ẏ = x − y (Wikipedia "Low-pass filter", section
 *   "Discrete-time realization"). α = 1 without a filter. Its step response from zero is
 *   y_k = 1 − (1 − α)^k.
 * - Δ_j = r_j · dt / gear_j: the rate limit r (N·m/s, on the torque τ = gear · a) as a bound per
 *   step in actuator units, so |τ_k − τ_{k−1}| ≤ r · dt. Infinite without a limit.
 *
 * The filter's increment is what the rate limit bounds: with both on, the output is the filtered
 * action, moving no faster than the limit. A convex combination of in-range values, moved by a
 * bounded step towards an in-range target, stays in range: shaping never leaves the clip range.
 */
import type { ActionShapingSpec } from '../src/config/index.js';

export interface ActionShaperOptions extends ActionShapingSpec {
  /** Policy period, s (one `apply` per period). */
  readonly dt: number;
  /** Action entries (joints). */
  readonly actionSize: number;
  /** Torque per unit of action, per joint (τ = gear · a); default 1. Shape: (actionSize). */
  readonly gear?: ArrayLike<number>;
  /** Who builds it, for errors (e.g. "sim/MujocoEnv(arm7-reach)"). */
  readonly where?: string;
}

/** α = dt / (RC + dt) with RC = 1 / (2π f_c): the first-order low-pass filter's gain per step. */
export function lowPassAlpha(cutoffHz: number, dt: number): number {
  const rc = 1 / (2 * Math.PI * cutoffHz);
  return dt / (rc + dt);
}

export class ActionShaper {
  /** Filter gain per step, in (0, 1]; 1 = no filter. */
  readonly alpha: number;
  /** Largest change per step, actuator units (Infinity = no limit). Shape: (actionSize). */
  readonly maxStep: Float64Array;
  readonly actionSize: number;
  /** The last shaped action (the filter's and the limiter's state). Shape: (actionSize). */
  readonly #last: Float64Array;
  readonly #where: string;

  constructor(options: ActionShaperOptions) {
    const { dt, actionSize, gear, actionFilterHz, torqueRateLimit } = options;
    const where = (this.#where = options.where ?? 'ActionShaper');
    if (!(dt > 0) || !Number.isFinite(dt)) {
      throw new Error(`${where}: control period dt = ${dt} s, expected a finite value > 0`);
    }
    if (!Number.isInteger(actionSize) || actionSize < 1) {
      throw new Error(`${where}: actionSize = ${actionSize}, expected an integer ≥ 1`);
    }
    if (actionFilterHz !== undefined && !(actionFilterHz > 0 && Number.isFinite(actionFilterHz))) {
      throw new Error(
        `${where}: key 'control.actionFilterHz' = ${actionFilterHz}: expected a cutoff > 0 Hz`,
      );
    }
    this.actionSize = actionSize;
    this.alpha = actionFilterHz === undefined ? 1 : lowPassAlpha(actionFilterHz, dt);
    const rates =
      torqueRateLimit === undefined
        ? undefined
        : typeof torqueRateLimit === 'number'
          ? new Array<number>(actionSize).fill(torqueRateLimit)
          : torqueRateLimit;
    if (rates !== undefined && rates.length !== actionSize) {
      throw new Error(
        `${where}: key 'control.torqueRateLimit' = ${JSON.stringify(torqueRateLimit)}: expected one number or ${actionSize} (one per joint), got ${rates.length}`,
      );
    }
    this.maxStep = new Float64Array(actionSize).fill(Infinity);
    for (let j = 0; j < actionSize; j++) {
      const g = gear?.[j] ?? 1;
      if (!(g > 0) || !Number.isFinite(g)) {
        throw new Error(`${where}: gear[${j}] = ${g}, expected a finite value > 0`);
      }
      if (rates === undefined) continue;
      const r = rates[j] as number;
      if (!(r > 0) || !Number.isFinite(r)) {
        throw new Error(
          `${where}: key 'control.torqueRateLimit.${j}' = ${r}: expected a rate > 0 N·m/s`,
        );
      }
      this.maxStep[j] = (r * dt) / g;
    }
    this.#last = new Float64Array(actionSize);
  }

  /**
   * A shaper for `options`, or undefined when neither a filter nor a rate limit is set (callers
   * then skip shaping altogether: no work on the hot path).
   */
  static create(options: ActionShaperOptions): ActionShaper | undefined {
    if (options.actionFilterHz === undefined && options.torqueRateLimit === undefined) {
      return undefined;
    }
    return new ActionShaper(options);
  }

  /** Forget the past: the next step starts from zero (episode reset, e-stop, watchdog, arming). */
  reset(): void {
    this.#last.fill(0);
  }

  /** The last shaped action. Shape: (actionSize). */
  get last(): Float64Array {
    return this.#last;
  }

  /**
   * Shape one (finite, clipped) action: `out[j] = y_j` (see the file comment). `out` may be the
   * `action` array itself. Shapes: (actionSize).
   */
  apply(action: ArrayLike<number>, out: Float64Array): Float64Array {
    const n = this.actionSize;
    if (action.length < n || out.length < n) {
      throw new Error(
        `${this.#where}: ActionShaper.apply: expected ${n} entries, got action ${action.length}, out ${out.length}`,
      );
    }
    const alpha = this.alpha;
    const last = this.#last;
    const maxStep = this.maxStep;
    for (let j = 0; j < n; j++) {
      const prev = last[j] as number;
      const x = action[j] as number;
      // Without a filter the action passes exactly (no rounding through prev + (x − prev)).
      let y = alpha === 1 ? x : prev + alpha * (x - prev);
      const m = maxStep[j] as number;
      if (y > prev + m) y = prev + m;
      else if (y < prev - m) y = prev - m;
      last[j] = y;
      out[j] = y;
    }
    return out;
  }

  /** The state, for environment snapshots (exact resume). */
  getState(): number[] {
    return Array.from(this.#last);
  }

  /** Restore a state saved by `getState`. */
  setState(state: readonly number[] | undefined, where: string): void {
    if (state === undefined || state.length !== this.actionSize) {
      throw new Error(
        `${where}: task.shaper has ${state?.length ?? 'no'} entries, expected ${this.actionSize} (was the state saved with the same 'control' shaping?)`,
      );
    }
    this.#last.set(state);
  }
}
