/**
 * The safety layer between the policy and the effort command topic: a pure module (no ROS, no
 * clocks of its own, no I/O) so that every rule is tested on its own.
 *
 * Rules, applied in this order each tick (DESIGN.md "Safety"):
 *  1. real mode and not armed → publish nothing at all;
 *  2. e-stop latched → zero torque, until `resetEstop()`;
 *  3. nothing to act on yet (no joint state, or a reach task's target has not come) → zero torque,
 *     'waiting' (not a watchdog trip: nothing went stale);
 *  4. joint states older than the watchdog period → zero torque until fresh ones ('watchdog');
 *  5. a non-finite action entry → zero torque and an error (the bad value never leaves);
 *  6. scale by torque_scale × the arming ramp (0 → 1 linearly over `armRampTicks` ticks);
 *  7. clamp each joint to ± its torque limit from the robot description;
 *  8. rate limit: |τ_t − τ_{t−1}| ≤ maxTorqueStep_j per tick (τ_{t−1} = last published torque);
 *  9. a non-finite output (cannot happen after 5–8, checked anyway) → zero torque and an error.
 * Stops (rules 1–5, 9) bypass the rate limit: zero is always allowed at once. The next non-zero
 * command then rises from zero under the rate limit.
 */

/** What the safety layer decided for one tick. */
export type SafetyState =
  | 'ok'
  | 'clamped'
  | 'rate_limited'
  | 'ramping'
  | 'unarmed'
  | 'estop'
  | 'waiting'
  | 'watchdog'
  | 'non_finite';

export interface SafetyOptions {
  /** Per-joint torque limit (symmetric, actuator units, N·m), description order. Shape: (nJoints). */
  readonly torqueLimits: ArrayLike<number>;
  /** Watchdog period in nanoseconds: joint states older than this stop torque output. */
  readonly watchdogPeriodNs: bigint;
  /** 'real' needs arming before anything is published; 'sim' is armed from the start. */
  readonly mode: 'sim' | 'real';
  /** Largest change of torque per tick, as a fraction of each joint's limit (1 = no rate limit). */
  readonly maxTorqueStepFraction: number;
  /** Scale applied to the policy's torque after the ramp, in [0, 1]. */
  readonly torqueScale: number;
  /** Number of ticks over which the scale ramps from 0 to torqueScale after arming. */
  readonly armRampTicks: number;
}

export const SAFETY_DEFAULTS = Object.freeze({
  /** Half the limit per tick: at 500 Hz a full swing −limit → +limit takes 4 ms. */
  maxTorqueStepFraction: 0.5,
  /** Full torque by default; lower it for first tests on hardware. */
  torqueScale: 1,
  /** 500 ticks = 1 s at 500 Hz, 10 s at 50 Hz. */
  armRampTicks: 500,
});

/** The outcome of `SafetyLayer.filter`. */
export interface SafetyVerdict {
  /** False only when nothing may be published (real mode, unarmed). */
  readonly publish: boolean;
  readonly state: SafetyState;
  /** Number of joints clamped to their limit on this tick. */
  readonly clampedJoints: number;
  /** Set when a non-finite value was replaced by zero torque: which joint and value. */
  readonly error?: string;
}

const UNARMED: SafetyVerdict = Object.freeze({
  publish: false,
  state: 'unarmed',
  clampedJoints: 0,
});

export class SafetyLayer {
  readonly #limits: Float64Array;
  readonly #maxStep: Float64Array;
  readonly #previous: Float64Array;
  readonly #mode: 'sim' | 'real';
  #watchdogPeriodNs: bigint;
  #torqueScale: number;
  #armRampTicks: number;
  #armed: boolean;
  #ticksSinceArmed = 0;
  #estopLatched = false;
  // Only states that went stale trip the watchdog; waiting for the first one does not.
  #watchdogTripped = false;
  #watchdogTrips = 0;

  constructor(options: SafetyOptions) {
    const n = options.torqueLimits.length;
    this.#limits = Float64Array.from(options.torqueLimits);
    for (let j = 0; j < n; j++) {
      const limit = this.#limits[j] ?? NaN;
      if (!(limit > 0) || !Number.isFinite(limit)) {
        throw new Error(`SafetyLayer: torqueLimits[${j}] must be finite and > 0, got ${limit}`);
      }
    }
    checkFraction('maxTorqueStepFraction', options.maxTorqueStepFraction, 2);
    this.#maxStep = this.#limits.map((l) => l * options.maxTorqueStepFraction);
    this.#previous = new Float64Array(n);
    this.#mode = options.mode;
    this.#watchdogPeriodNs = options.watchdogPeriodNs;
    if (options.watchdogPeriodNs <= 0n) {
      throw new Error(`SafetyLayer: watchdogPeriodNs must be > 0, got ${options.watchdogPeriodNs}`);
    }
    checkFraction('torqueScale', options.torqueScale, 1);
    this.#torqueScale = options.torqueScale;
    if (!Number.isInteger(options.armRampTicks) || options.armRampTicks < 0) {
      throw new Error(
        `SafetyLayer: armRampTicks must be an integer ≥ 0, got ${options.armRampTicks}`,
      );
    }
    this.#armRampTicks = options.armRampTicks;
    // Simulation needs no arming and no ramp (the robot is not real).
    this.#armed = options.mode === 'sim';
    this.#ticksSinceArmed = options.mode === 'sim' ? options.armRampTicks : 0;
  }

  get jointCount(): number {
    return this.#limits.length;
  }
  get armed(): boolean {
    return this.#armed;
  }
  get estopLatched(): boolean {
    return this.#estopLatched;
  }
  /** Whether the watchdog holds zero torque: the last state it was given had gone stale. */
  get watchdogTripped(): boolean {
    return this.#watchdogTripped;
  }
  get watchdogPeriodNs(): bigint {
    return this.#watchdogPeriodNs;
  }
  /** How many times the watchdog went from clear (fresh states) to tripped. */
  get watchdogTrips(): number {
    return this.#watchdogTrips;
  }
  get torqueLimits(): Float64Array {
    return this.#limits;
  }
  /** The last published torque (zeros before the first tick). Shape: (nJoints). */
  get lastCommand(): Float64Array {
    return this.#previous;
  }

  /** Arming (real mode) restarts the ramp from zero; disarming stops output at once. */
  setArmed(armed: boolean): void {
    if (armed && !this.#armed) this.#ticksSinceArmed = 0;
    if (!armed) this.#previous.fill(0);
    this.#armed = armed || this.#mode === 'sim';
  }
  setTorqueScale(scale: number): void {
    checkFraction('torqueScale', scale, 1);
    this.#torqueScale = scale;
  }
  setWatchdogPeriodNs(periodNs: bigint): void {
    if (periodNs <= 0n)
      throw new Error(`SafetyLayer: watchdog period must be > 0, got ${periodNs}`);
    this.#watchdogPeriodNs = periodNs;
  }
  setArmRampTicks(ticks: number): void {
    if (!Number.isInteger(ticks) || ticks < 0) {
      throw new Error(`SafetyLayer: armRampTicks must be an integer ≥ 0, got ${ticks}`);
    }
    this.#armRampTicks = ticks;
  }
  /** Latch the e-stop: zero torque until `resetEstop()`. */
  triggerEstop(): void {
    this.#estopLatched = true;
    this.#previous.fill(0);
  }
  /** Clear a latched e-stop. Returns whether one was latched. */
  resetEstop(): boolean {
    const was = this.#estopLatched;
    this.#estopLatched = false;
    return was;
  }
  /** Forget the last command (e.g. on deactivate, where zero torque is published). */
  resetHistory(): void {
    this.#previous.fill(0);
  }

  /** Progress of the arming ramp in [0, 1] (1: done, or no ramp). Advances on ticks that act. */
  get rampFraction(): number {
    return this.#armRampTicks === 0 ? 1 : Math.min(1, this.#ticksSinceArmed / this.#armRampTicks);
  }

  /** The current scale: torqueScale × linear ramp after arming. */
  currentScale(): number {
    if (this.#armRampTicks === 0) return this.#torqueScale;
    return this.#torqueScale * Math.min(1, this.#ticksSinceArmed / this.#armRampTicks);
  }

  /**
   * Turn the policy's action into the torque to publish.
   *
   * @param action policy torques, description order. Shape: (nJoints).
   * @param stateAgeNs age of the newest joint state (now − its arrival), or null when there is
   *   nothing to act on yet (no joint state, or no target for a task that needs one).
   * @param out receives the torque to publish (written whenever `publish` is true). Shape: (nJoints).
   */
  filter(action: ArrayLike<number>, stateAgeNs: bigint | null, out: Float64Array): SafetyVerdict {
    const n = this.#limits.length;
    if (action.length !== n || out.length !== n) {
      throw new Error(
        `SafetyLayer.filter: expected ${n} entries, got action ${action.length}, out ${out.length}`,
      );
    }
    if (!this.#armed) return UNARMED;
    if (this.#estopLatched) return this.#stop(out, 'estop');
    if (stateAgeNs === null) return this.#stop(out, 'waiting');
    if (stateAgeNs > this.#watchdogPeriodNs) {
      if (!this.#watchdogTripped) this.#watchdogTrips++;
      this.#watchdogTripped = true;
      return this.#stop(out, 'watchdog');
    }
    this.#watchdogTripped = false;
    for (let j = 0; j < n; j++) {
      const a = action[j] ?? NaN;
      if (!Number.isFinite(a)) {
        return this.#stop(out, 'non_finite', `non-finite action[${j}] = ${a}; zero torque sent`);
      }
    }
    const scale = this.currentScale();
    const ramping = scale < this.#torqueScale;
    if (this.#ticksSinceArmed < this.#armRampTicks) this.#ticksSinceArmed++;
    let clamped = 0;
    let rateLimited = false;
    for (let j = 0; j < n; j++) {
      const limit = this.#limits[j] as number;
      let tau = (action[j] as number) * scale;
      if (tau > limit) {
        tau = limit;
        clamped++;
      } else if (tau < -limit) {
        tau = -limit;
        clamped++;
      }
      const prev = this.#previous[j] as number;
      const step = this.#maxStep[j] as number;
      if (tau > prev + step) {
        tau = prev + step;
        rateLimited = true;
      } else if (tau < prev - step) {
        tau = prev - step;
        rateLimited = true;
      }
      out[j] = tau;
    }
    for (let j = 0; j < n; j++) {
      const tau = out[j] as number;
      if (!Number.isFinite(tau)) {
        return this.#stop(out, 'non_finite', `non-finite torque out[${j}] = ${tau}; zero sent`);
      }
    }
    this.#previous.set(out);
    const state: SafetyState = ramping
      ? 'ramping'
      : clamped > 0
        ? 'clamped'
        : rateLimited
          ? 'rate_limited'
          : 'ok';
    return { publish: true, state, clampedJoints: clamped };
  }

  #stop(out: Float64Array, state: SafetyState, error?: string): SafetyVerdict {
    out.fill(0);
    this.#previous.fill(0);
    return error === undefined
      ? { publish: true, state, clampedJoints: 0 }
      : { publish: true, state, clampedJoints: 0, error };
  }
}

function checkFraction(name: string, value: number, max: number): void {
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new Error(`SafetyLayer: ${name} must be in [0, ${max}], got ${value}`);
  }
}
