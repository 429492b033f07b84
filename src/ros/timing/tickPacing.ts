/**
 * When the policy node ticks with `tick_source: joint_states` (the default in real mode): on the
 * first fresh joint state of each control period, as a ros2_control controller runs right after
 * the hardware read, so the command answers the state that caused it (round trip = two topic hops
 * + one tick, not up to one period of waiting for a timer).
 *
 * - Periods: a grid of control periods (a DeadlineSchedule), laid when the first fresh state
 *   arrives, with that state a quarter period after a boundary. A robot at the control rate then
 *   sends each state mid-period, where delivery jitter (up to −¼ and +¾ of a period) does not move
 *   it across a boundary; at twice the rate its states sit at ¼ and ¾ of each period. The first
 *   state in a period ticks; the later ones in the same period do not (a joint_state_broadcaster
 *   faster than the policy is thinned to the policy's rate, never more than one tick per period).
 * - The control timer keeps running as the watchdog's clock: it ticks only once the latest state
 *   is older than the watchdog period (and no tick ran for half a period), so zero torque follows
 *   within one period of the watchdog expiring, exactly as with `tick_source: timer`. The grid is
 *   then dropped; the next fresh state lays a new one.
 * - Missed periods, as for the timer (DeadlineSchedule: a deadline passed a full period late):
 *   while states are fresh, each period of the grid that ended without a tick counts one.
 */
import { DeadlineSchedule } from './deadlineSchedule.js';

export class JointStateTickPacing {
  readonly periodNs: bigint;
  /** Starts of the periods; `deadlineNs` is the start of the next one. Null: no fresh state yet. */
  #grid: DeadlineSchedule | null = null;
  /** Missed periods of earlier grids (before a watchdog gap). */
  #missedBefore = 0;
  #lastTickNs: bigint | null = null;

  constructor(periodNs: bigint) {
    if (periodNs <= 0n)
      throw new Error(`JointStateTickPacing: period must be > 0, got ${periodNs}`);
    this.periodNs = periodNs;
  }

  /** Control periods without a command while joint states were fresh. */
  get missedTicks(): number {
    return this.#missedBefore + (this.#grid?.missedTicks ?? 0);
  }

  /** A fresh joint state arrived at `nowNs`: tick now? (Records the tick when it says yes.) */
  onJointState(nowNs: bigint): boolean {
    const grid = this.#grid;
    if (grid === null) {
      // This period: [now − T/4, now + 3T/4); DeadlineSchedule's first deadline is start + T.
      this.#grid = new DeadlineSchedule(this.periodNs, nowNs - this.periodNs / 4n);
    } else {
      // Still the period that ticked: wait for the next one.
      if (!grid.due(nowNs)) return false;
      // Consume this period's start; periods that ended without a state count as missed.
      grid.advance(nowNs);
    }
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
    // States stopped: the watchdog's zero ticks are not missed periods; the next fresh state lays
    // a new grid.
    if (this.#grid !== null) {
      this.#missedBefore += this.#grid.missedTicks;
      this.#grid = null;
    }
    return true;
  }
}
