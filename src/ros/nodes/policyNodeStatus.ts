/**
 * The policy node's one explicit state, as /diagnostics reports it (message, level, `state` and
 * `waiting_for` keys), computed by one pure function from what is true now (issue 20: the node
 * used to report "watchdog: joint states stale" while it only waited for a target, or was
 * unarmed).
 *
 * Precedence: the first that holds wins, so the state names what the operator must act on first.
 *
 *   state                      holds when                                      level  waiting_for
 *   inactive                   not active (configured, or deactivated)         OK     activate
 *   estop                      the e-stop is latched                           ERROR  estop_reset
 *   fault                      the last tick's action was non-finite, or the   ERROR  none
 *                              last joint state was refused (a joint missing)
 *   watchdog                   joint states had arrived, then stopped: the     ERROR  joint_states
 *                              newest is older than watchdog_period
 *   waiting_for_joint_states   no usable joint state since configure           WARN   joint_states
 *   waiting_for_target         a reach task without a target yet               WARN   target
 *   unarmed                    real mode, `armed` false                        OK     armed
 *   ramping                    armed, torque scale still ramping up            OK     none
 *   running                    commanding torque                               OK     none
 *                              (WARN when the loop runs below 90 % of its rate)
 *
 * Why this order: inactive first, since nothing else applies to a node that does not tick (its
 * e-stop latch still shows in the `estop_latched` key). The e-stop is the operator's own stop and
 * needs the reset, whatever else is wrong. A fault outranks the watchdog because a refused state
 * (a joint missing) also goes stale: the fault names the cause. Missing inputs come before the
 * arming gate: arming a node that has no joint states would ramp nothing. Levels follow
 * diagnostic_msgs: ERROR when torque is held at zero for a fault, a lost robot or an e-stop; WARN
 * when an input the node needs is missing (the robot driver, the target publisher); OK for the
 * deliberate gates (inactive, unarmed) and while torque flows.
 */
import type { ControlStep } from '../control/index.js';
import { DIAGNOSTIC_ERROR, DIAGNOSTIC_OK, DIAGNOSTIC_WARN } from '../transport/index.js';

export type PolicyNodeState =
  | 'inactive'
  | 'estop'
  | 'fault'
  | 'watchdog'
  | 'waiting_for_joint_states'
  | 'waiting_for_target'
  | 'unarmed'
  | 'ramping'
  | 'running';

/** What the node waits for in a state (the `waiting_for` key). */
export type WaitingFor = 'activate' | 'estop_reset' | 'joint_states' | 'target' | 'armed' | 'none';

/** Everything the state depends on, read from the node at one instant. */
export interface PolicyNodeStatusInput {
  /** Lifecycle state is active. */
  readonly active: boolean;
  readonly estopLatched: boolean;
  /** Why the newest joint state was refused ('' when it matched, or none came). */
  readonly jointStateError: string;
  /** The last tick's action (or output) was non-finite and replaced by zero torque. */
  readonly nonFinite: boolean;
  /** Age of the newest matched joint state (ns, by arrival); null when none since configure. */
  readonly jointStateAgeNs: bigint | null;
  readonly watchdogPeriodNs: bigint;
  /** The task needs a target, and none has arrived. */
  readonly targetMissing: boolean;
  /** Real mode and not armed. */
  readonly unarmed: boolean;
  /** Arming ramp progress in [0, 1] (1: done, or none). */
  readonly rampFraction: number;
  /** Ticks per second over the last window, and the control rate (Hz). */
  readonly loopRateHz: number;
  readonly targetRateHz: number;
  /** Topics named in the messages. */
  readonly jointStatesTopic: string;
  readonly targetTopic: string;
}

export interface PolicyNodeStatus {
  readonly state: PolicyNodeState;
  /** diagnostic_msgs/DiagnosticStatus level: DIAGNOSTIC_OK, _WARN or _ERROR. */
  readonly level: number;
  readonly message: string;
  readonly waitingFor: WaitingFor;
  /** Joint states had arrived and went stale (the `watchdog_tripped` key), whatever the state. */
  readonly watchdogTripped: boolean;
}

/** The node's state, level and message (see the table above). */
export function policyNodeStatus(input: PolicyNodeStatusInput): PolicyNodeStatus {
  const age = input.jointStateAgeNs;
  const stale = age !== null && age > input.watchdogPeriodNs;
  const watchdogTripped = input.active && stale;
  const status = (
    state: PolicyNodeState,
    level: number,
    message: string,
    waitingFor: WaitingFor,
  ): PolicyNodeStatus => ({ state, level, message, waitingFor, watchdogTripped });
  if (!input.active) {
    return status(
      'inactive',
      DIAGNOSTIC_OK,
      'inactive: publishing nothing (activate to start)',
      'activate',
    );
  }
  if (input.estopLatched) {
    return status(
      'estop',
      DIAGNOSTIC_ERROR,
      'e-stop latched: zero torque until reset (/torquepilot/reset_estop)',
      'estop_reset',
    );
  }
  if (input.nonFinite) {
    return status(
      'fault',
      DIAGNOSTIC_ERROR,
      'fault: non-finite policy output, zero torque',
      'none',
    );
  }
  if (input.jointStateError !== '') {
    return status(
      'fault',
      DIAGNOSTIC_ERROR,
      `fault: joint state refused (${input.jointStateError}), zero torque`,
      'none',
    );
  }
  if (stale) {
    const seconds = (Number(age) / 1e9).toFixed(3);
    return status(
      'watchdog',
      DIAGNOSTIC_ERROR,
      `watchdog: joint states on ${input.jointStatesTopic} stale (newest ${seconds} s old), zero torque`,
      'joint_states',
    );
  }
  if (age === null) {
    return status(
      'waiting_for_joint_states',
      DIAGNOSTIC_WARN,
      `waiting for joint states on ${input.jointStatesTopic}`,
      'joint_states',
    );
  }
  if (input.targetMissing) {
    return status(
      'waiting_for_target',
      DIAGNOSTIC_WARN,
      `waiting for a target on ${input.targetTopic} (geometry_msgs/msg/PointStamped)`,
      'target',
    );
  }
  if (input.unarmed) {
    return status(
      'unarmed',
      DIAGNOSTIC_OK,
      'unarmed: publishing nothing (set parameter armed to true)',
      'armed',
    );
  }
  if (input.rampFraction < 1) {
    const percent = Math.floor(100 * input.rampFraction);
    return status(
      'ramping',
      DIAGNOSTIC_OK,
      `ramping up after arming: ${percent} % of torque_scale`,
      'none',
    );
  }
  const slow = input.targetRateHz > 0 && input.loopRateHz < 0.9 * input.targetRateHz;
  return slow
    ? status(
        'running',
        DIAGNOSTIC_WARN,
        `running, control loop slow: ${input.loopRateHz.toFixed(1)} Hz of ${input.targetRateHz} Hz`,
        'none',
      )
    : status('running', DIAGNOSTIC_OK, 'running', 'none');
}

/** The status input from a configured node's control path, at `nowNs` (steady clock). */
export function statusInputOf(
  control: ControlStep,
  node: {
    readonly active: boolean;
    readonly jointStateError: string;
    readonly nonFinite: boolean;
    readonly targetTopic: string;
    readonly nowNs: bigint;
  },
): Omit<PolicyNodeStatusInput, 'loopRateHz' | 'targetRateHz'> {
  const { safety, deployment } = control;
  return {
    active: node.active,
    estopLatched: safety.estopLatched,
    jointStateError: node.jointStateError,
    nonFinite: node.nonFinite,
    jointStateAgeNs: control.stateAgeNs(node.nowNs),
    watchdogPeriodNs: safety.watchdogPeriodNs,
    targetMissing: deployment.observation.needsTarget && control.target === null,
    unarmed: !safety.armed,
    rampFraction: safety.rampFraction,
    jointStatesTopic: deployment.description.jointStatesTopic,
    targetTopic: node.targetTopic,
  };
}
