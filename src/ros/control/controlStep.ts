/**
 * One control step of the policy node, pure: no transport, no clock of its own, no I/O. It holds
 * the loaded deployment (policy, observation builder, robot description) and the safety layer, and
 * turns the newest joint state into the torque command:
 *
 *   JointState ──match by name──► q, q̇ (description order) ──observation (as in simulation)──► obs
 *   ──behaviour (the mean, or a sample of N(μ, (s·σ)²): behaviour.ts)──► a ──[clip, shaper]──► a'
 *   ──gear: τ = gear · a'──► safety ──► command
 *
 * The shaper (sim/actionShaping.ts: action filter, torque rate limit) is the one the environment
 * applied in training, on the action clipped to the torque limits as the environment clips it to
 * the actuator range; it is part of the trained policy's world, so it comes before the safety
 * layer, whose scale, clamp, rate limit and stops stay the last word. Any tick the safety layer
 * stops (e-stop, watchdog, waiting, non-finite, unarmed) resets it: torque resumes from zero, not
 * from the state before the stop.
 *
 * Matching runs when a message arrives (`receive`): a refused message (a missing joint, ragged
 * arrays) must not refresh the watchdog, and tick pacing on joint states decides on arrival whether
 * to tick. Everything after matching runs in `step`. All buffers are allocated in the constructor;
 * a step allocates nothing of its own.
 */
import type { Random } from '../../util/index.js';
import type { ActionShapingSpec } from '../../config/index.js';
import { ActionShaper } from '../../../sim/index.js';
import { BehaviourPolicy } from './behaviour.js';
import type { LoadedDeployment } from './deployment.js';
import { JointStateMatcher } from './jointMatching.js';
import type { JointStateSample, MatchResult } from './jointMatching.js';
import type { SafetyLayer, SafetyState, SafetyVerdict } from './safety.js';

/** What one step did. The same object is reused by every step: read it before the next. */
export interface ControlStepResult {
  /** A matched state (and the target, when the task needs one) was there to act on. */
  readonly ready: boolean;
  /**
   * Age of the newest matched state at this step (ns, by its arrival), null when not ready. The
   * policy ran only when it is within the watchdog period.
   */
  readonly stateAgeNs: bigint | null;
  /** The policy ran on a fresh state this step (the step can be recorded). */
  readonly acted: boolean;
  /**
   * log μ(a|s) of the behaviour's action; NaN when the policy did not run, and when it took the
   * mean (deterministic: no density).
   */
  readonly logProb: number;
  /** The safety layer's decision; the command is to be published only when `verdict.publish`. */
  readonly verdict: SafetyVerdict;
}

interface MutableResult {
  ready: boolean;
  stateAgeNs: bigint | null;
  acted: boolean;
  logProb: number;
  verdict: SafetyVerdict;
}

export class ControlStep {
  readonly deployment: LoadedDeployment;
  readonly safety: SafetyLayer;
  /** Observation of the last step that ran the policy. Shape: (obsSize). */
  readonly observation: Float64Array;
  /** Policy action (actuator units) of the last step; zeros when it did not run. Shape: (nJoints). */
  readonly action: Float64Array;
  /** The shaped action (actuator units) when a shaper is set, else unused. Shape: (nJoints). */
  readonly shaped: Float64Array;
  /** Effort before safety: gear · action (the shaped one when shaping). Shape: (nJoints). */
  readonly effort: Float64Array;
  /** Effort per unit of action, from the robot description (default 1). Shape: (nJoints). */
  readonly gear: Float64Array;
  /** Mean or sample, and the behaviour's log σ of the last step (`behaviour.explore`, `.scale`). */
  readonly behaviour: BehaviourPolicy;
  /** Where samples come from (the node seeds it on activate). */
  rng: Random;
  /** Action filter / torque rate limit as in training; null = none (the node sets it on activate). */
  shaper: ActionShaper | null = null;

  /** Shape actions as training did (`shaping`), per tick of `rateHz`, from zero; {} = none. */
  setShaping(shaping: ActionShapingSpec, rateHz: number, where: string): void {
    const spec = { ...shaping, dt: 1 / rateHz, actionSize: this.gear.length, gear: this.gear };
    this.shaper = ActionShaper.create({ ...spec, where }) ?? null;
  }
  /** Clip bound of the action before shaping: torque limit / gear. Shape: (nJoints). */
  readonly #actionLimit: Float64Array;
  readonly #matcher: JointStateMatcher;
  #target: Float64Array | null = null;
  #lastArrivalNs: bigint | null = null;
  readonly #result: MutableResult;

  constructor(deployment: LoadedDeployment, safety: SafetyLayer, rng: Random) {
    const { description, policy, observation } = deployment;
    const n = description.jointNames.length;
    if (safety.jointCount !== n) {
      throw new Error(
        `ControlStep: safety layer has ${safety.jointCount} joints, robot description ${description.source} commands ${n}`,
      );
    }
    this.deployment = deployment;
    this.safety = safety;
    this.rng = rng;
    this.#matcher = new JointStateMatcher(observation.jointNames);
    this.observation = new Float64Array(policy.obsSize);
    this.action = new Float64Array(n);
    this.effort = new Float64Array(n);
    this.gear = Float64Array.from({ length: n }, (_, j) => description.actuatorGear?.[j] ?? 1);
    this.shaped = new Float64Array(n);
    this.#actionLimit = Float64Array.from(
      safety.torqueLimits,
      (limit, j) => limit / (this.gear[j] as number),
    );
    this.behaviour = new BehaviourPolicy(policy.actionSize);
    this.#result = { ready: false, stateAgeNs: null, acted: false, logProb: NaN, verdict: UNSET };
  }

  /** The target the observation needs (reach tasks), world frame; null until one arrived. */
  get target(): Float64Array | null {
    return this.#target;
  }

  /** Whether a matched joint state has arrived (since construction). */
  get hasState(): boolean {
    return this.#lastArrivalNs !== null;
  }

  /**
   * A joint state arrived at `arrivalNs` (steady clock): match its joints by name. On success it
   * is the state the next steps act on; a refused message leaves the previous one (and its age).
   */
  receive(message: JointStateSample, arrivalNs: bigint): MatchResult {
    const result = this.#matcher.update(message);
    if (result.ok) this.#lastArrivalNs = arrivalNs;
    return result;
  }

  setTarget(x: number, y: number, z: number): void {
    const t = (this.#target ??= new Float64Array(3));
    t[0] = x;
    t[1] = y;
    t[2] = z;
  }

  /** Age at `nowNs` of the newest matched state, by its arrival (null: none yet). */
  stateAgeNs(nowNs: bigint): bigint | null {
    return this.#lastArrivalNs === null ? null : nowNs - this.#lastArrivalNs;
  }

  /** Whether the newest matched state is within the watchdog period at `nowNs`. */
  fresh(nowNs: bigint): boolean {
    const age = this.stateAgeNs(nowNs);
    return age !== null && age <= this.safety.watchdogPeriodNs;
  }

  /**
   * One step at `nowNs` (steady clock; robot and node clocks need not agree, so ages are by
   * arrival): observation → policy → gear → safety, writing the command into `command`
   * (nJoints; e.g. a CommandOutput ring buffer). A stale or missing state (or target) gives zero
   * action, and the safety layer then sends zero torque ('watchdog' or 'waiting').
   */
  step(nowNs: bigint, command: Float64Array): ControlStepResult {
    const { policy, observation } = this.deployment;
    const matcher = this.#matcher;
    const stateAge = this.stateAgeNs(nowNs);
    const ready = stateAge !== null && (!observation.needsTarget || this.#target !== null);
    const age = ready ? stateAge : null;
    const period = this.safety.watchdogPeriodNs;
    let logProb = NaN;
    const acted = age !== null && age <= period;
    if (acted) {
      observation.build(matcher.position, matcher.velocity, this.#target, this.observation);
      logProb = this.behaviour.act(policy, this.observation, this.rng, this.action);
    } else {
      this.action.fill(0);
    }
    const shaper = this.shaper;
    const a = shaper === null ? this.action : this.#shape(shaper, acted);
    // Actions are in actuator units; the effort controller takes efforts: τ = gear · a.
    for (let j = 0; j < this.effort.length; j++) {
      this.effort[j] = (this.gear[j] as number) * (a[j] as number);
    }
    const r = this.#result;
    r.ready = ready;
    r.stateAgeNs = age;
    r.acted = acted;
    r.logProb = logProb;
    // Missing input (no state, no target yet) is 'waiting'; a state that went stale trips the
    // watchdog whether or not the target has come.
    const stale = stateAge !== null && stateAge > period;
    r.verdict = this.safety.filter(this.effort, ready || stale ? stateAge : null, command);
    if (shaper !== null && STOPS.has(r.verdict.state)) shaper.reset();
    return r;
  }

  /**
   * Clip the policy's action to ± limit / gear (the environment clips to the actuator range) and
   * shape it into `shaped`. A step without a policy action, or with a non-finite one, passes zeros
   * or the bad value on untouched (the safety layer stops on it, and the shaper is reset).
   */
  #shape(shaper: ActionShaper, ran: boolean): Float64Array {
    const action = this.action;
    const shaped = this.shaped;
    if (!ran) return shaped.fill(0);
    const limit = this.#actionLimit;
    for (let j = 0; j < action.length; j++) {
      const x = action[j] as number;
      if (!Number.isFinite(x)) {
        shaped.set(action);
        return shaped;
      }
      const m = limit[j] as number;
      shaped[j] = x > m ? m : x < -m ? -m : x;
    }
    return shaper.apply(shaped, shaped);
  }

  /**
   * Run the observation and the forward pass `ticks` times (mean and samples alternately) on zero
   * input from a fixed seed, so the first real steps run JIT-compiled. Leaves the action at zero.
   */
  warmUp(ticks: number, rng: Random): void {
    const { policy, observation } = this.deployment;
    const matcher = this.#matcher;
    for (let k = 0; k < ticks; k++) {
      observation.build(matcher.position, matcher.velocity, this.#target, this.observation);
      this.behaviour.act(policy, this.observation.fill(0), rng, this.action, k % 2 === 1);
    }
    this.action.fill(0);
  }
}

/** Safety states that send zero torque (or nothing): the shaper restarts from zero after them. */
const STOPS: ReadonlySet<SafetyState> = new Set<SafetyState>([
  'unarmed',
  'estop',
  'waiting',
  'watchdog',
  'non_finite',
]);

const UNSET: SafetyVerdict = Object.freeze({ publish: false, state: 'unarmed', clampedJoints: 0 });
