/**
 * The ROS 2 managed-node state machine (design.ros2.org "Managed nodes"; rcl_lifecycle), for the
 * in-process transport. Over DDS, rclnodejs's LifecycleNode runs rcl_lifecycle's own machine and
 * calls the same callbacks; ids, labels and return codes here are those of lifecycle_msgs.
 *
 * Callbacks are synchronous and return a code, as in rclnodejs (whose results are not awaited).
 */

/** lifecycle_msgs/msg/Transition TRANSITION_CALLBACK_* codes (rclnodejs declares them as an
 * ambient const enum, which isolatedModules cannot use, so they are our own constants). */
export const CALLBACK_SUCCESS = 97;
export const CALLBACK_FAILURE = 98;
export const CALLBACK_ERROR = 99;
export type CallbackCode =
  typeof CALLBACK_SUCCESS | typeof CALLBACK_FAILURE | typeof CALLBACK_ERROR;

/** Primary states (lifecycle_msgs/msg/State ids). */
export const STATE_UNCONFIGURED = 1;
export const STATE_INACTIVE = 2;
export const STATE_ACTIVE = 3;
export const STATE_FINALIZED = 4;

export type PrimaryState = 'unconfigured' | 'inactive' | 'active' | 'finalized';
export type TransitionName = 'configure' | 'cleanup' | 'activate' | 'deactivate' | 'shutdown';

export const STATE_IDS: Readonly<Record<PrimaryState, number>> = Object.freeze({
  unconfigured: STATE_UNCONFIGURED,
  inactive: STATE_INACTIVE,
  active: STATE_ACTIVE,
  finalized: STATE_FINALIZED,
});

/** The callbacks a managed node supplies; each must not throw (a throw is treated as ERROR). */
export interface LifecycleCallbacks {
  onConfigure(): CallbackCode;
  onActivate(): CallbackCode;
  onDeactivate(): CallbackCode;
  onCleanup(): CallbackCode;
  onShutdown(): CallbackCode;
  /** Called in ErrorProcessing; SUCCESS → unconfigured, otherwise → finalized. */
  onError(): CallbackCode;
}

/** Result of a transition request: the state reached, and whether the transition succeeded. */
export interface TransitionResult {
  readonly success: boolean;
  readonly state: PrimaryState;
  /** Why it failed: invalid from this state, callback FAILURE, or callback ERROR. */
  readonly reason?: string;
}

/** Valid transitions: start state → goal state on SUCCESS (rcl_lifecycle default state machine). */
const TRANSITIONS: Readonly<
  Record<TransitionName, Partial<Readonly<Record<PrimaryState, PrimaryState>>>>
> = Object.freeze({
  configure: { unconfigured: 'inactive' },
  cleanup: { inactive: 'unconfigured' },
  activate: { inactive: 'active' },
  deactivate: { active: 'inactive' },
  shutdown: { unconfigured: 'finalized', inactive: 'finalized', active: 'finalized' },
});

export class LifecycleStateMachine {
  readonly #callbacks: LifecycleCallbacks;
  readonly #onError: (message: string) => void;
  #state: PrimaryState = 'unconfigured';

  /** @param onError receives a message when a callback throws (it is then treated as ERROR). */
  constructor(callbacks: LifecycleCallbacks, onError: (message: string) => void = () => {}) {
    this.#callbacks = callbacks;
    this.#onError = onError;
  }

  get state(): PrimaryState {
    return this.#state;
  }

  /** Transitions valid from the current state. */
  availableTransitions(): TransitionName[] {
    return (Object.keys(TRANSITIONS) as TransitionName[]).filter(
      (t) => TRANSITIONS[t][this.#state] !== undefined,
    );
  }

  /**
   * Run one transition. Invalid from the current state → refused, state unchanged. Callback
   * FAILURE → back to the start state. Callback ERROR (or a throw) → ErrorProcessing: onError
   * SUCCESS → unconfigured, otherwise finalized.
   */
  trigger(transition: TransitionName): TransitionResult {
    const start = this.#state;
    const goal = TRANSITIONS[transition][start];
    if (goal === undefined) {
      return {
        success: false,
        state: start,
        reason: `transition '${transition}' is not valid from state '${start}' (valid: ${this.availableTransitions().join(', ') || 'none'})`,
      };
    }
    const code = this.#call(transition);
    if (code === CALLBACK_SUCCESS) {
      this.#state = goal;
      return { success: true, state: goal };
    }
    if (code === CALLBACK_FAILURE) {
      return { success: false, state: start, reason: `${transition} callback returned FAILURE` };
    }
    const recovered = this.#callSafely('onError') === CALLBACK_SUCCESS;
    this.#state = recovered ? 'unconfigured' : 'finalized';
    return { success: false, state: this.#state, reason: `${transition} callback returned ERROR` };
  }

  #call(transition: TransitionName): CallbackCode {
    switch (transition) {
      case 'configure':
        return this.#callSafely('onConfigure');
      case 'cleanup':
        return this.#callSafely('onCleanup');
      case 'activate':
        return this.#callSafely('onActivate');
      case 'deactivate':
        return this.#callSafely('onDeactivate');
      case 'shutdown':
        return this.#callSafely('onShutdown');
    }
  }

  #callSafely(name: keyof LifecycleCallbacks): CallbackCode {
    return guardLifecycleCallback(name, this.#callbacks, this.#onError);
  }
}

/**
 * Call one lifecycle callback as both transports must: a throw is reported through `onError` and
 * becomes ERROR (rclnodejs only prints a throw, and does not await a result, so a callback's
 * failure has to be caught here).
 */
export function guardLifecycleCallback(
  name: keyof LifecycleCallbacks,
  callbacks: LifecycleCallbacks,
  onError: (message: string) => void,
): CallbackCode {
  try {
    return callbacks[name]();
  } catch (err) {
    onError(`lifecycle ${name} threw: ${err instanceof Error ? err.message : String(err)}`);
    return CALLBACK_ERROR;
  }
}
