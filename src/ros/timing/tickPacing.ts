/**
 * When the policy node ticks with `tick_source: joint_states`: on each joint state's arrival, as a
 * ros2_control controller runs right after the hardware read, so the command answers the state
 * that caused it (round trip = two topic hops + one tick, not up to one period of waiting for a
 * timer).
 *
 * - Rate cap: a token bucket filled at the control rate, holding at most `BURST` ticks. States at
 *   the control rate always tick, even when delivery jitter bunches two of them; a
 *   joint_state_broadcaster faster than the control rate is thinned to the control rate.
 * - The control timer keeps running as the watchdog's clock: it ticks only once the latest state
 *   is older than the watchdog period (and no tick ran for half a period), so zero torque follows
 *   within one period of the watchdog expiring, exactly as with `tick_source: timer`.
 * - Missed ticks, as for the timer (a deadline passed a full period late): while states are fresh,
 *   a gap of g control periods between two state-driven ticks counts floor(g) − 1. A state that
 *   arrives late by less than a period (and the next one then early) misses nothing.
 */

/** Ticks the rate cap lets through back to back (token bucket capacity). */
export const BURST = 2;

export class JointStateTickPacing {
  readonly periodNs: bigint;
  readonly #period: number;
  #tokens = BURST;
  #lastRefillNs: bigint | null = null;
  #lastTickNs: bigint | null = null;
  /** The last state-driven tick; null before the first and after a watchdog tick. */
  #lastStateTickNs: bigint | null = null;
  #missed = 0;

  constructor(periodNs: bigint) {
    if (periodNs <= 0n)
      throw new Error(`JointStateTickPacing: period must be > 0, got ${periodNs}`);
    this.periodNs = periodNs;
    this.#period = Number(periodNs);
  }

  /** Control periods without a command while joint states were fresh. */
  get missedTicks(): number {
    return this.#missed;
  }

  /** A joint state arrived at `nowNs`: tick now? (Records the tick when it says yes.) */
  onJointState(nowNs: bigint): boolean {
    if (this.#lastRefillNs !== null) {
      const refill = Number(nowNs - this.#lastRefillNs) / this.#period;
      this.#tokens = Math.min(BURST, this.#tokens + refill);
    }
    this.#lastRefillNs = nowNs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    if (this.#lastStateTickNs !== null) {
      const periods = Math.floor(Number(nowNs - this.#lastStateTickNs) / this.#period);
      if (periods >= 2) this.#missed += periods - 1;
    }
    this.#lastStateTickNs = nowNs;
    this.#lastTickNs = nowNs;
    return true;
  }

  /**
   * The control timer fired at `nowNs`; `statesFresh`: the latest joint state is within the
   * watchdog period. Tick now? Only for the watchdog: stale (or no) states, and no tick for half a
   * period (the timer's own jitter).
   */
  onTimer(nowNs: bigint, statesFresh: boolean): boolean {
    if (statesFresh) return false;
    const last = this.#lastTickNs;
    if (last !== null && nowNs - last < this.periodNs / 2n) return false;
    this.#lastTickNs = nowNs;
    // States stopped: the watchdog's zero ticks are not missed ticks; counting restarts with the
    // next state.
    this.#lastStateTickNs = null;
    return true;
  }
}
