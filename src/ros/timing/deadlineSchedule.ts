/**
 * The one drift-free schedule behind every periodic timer's missed-tick count (the busy-poll loop,
 * the worker-thread precise timer, the in-process transport's timers and the rclnodejs adapter's
 * rcl timers).
 *
 * Deadlines sit on the grid start + k·period (k ≥ 1) whatever the callbacks cost, so there is no
 * drift. A tick that comes one full period or more after its deadline has slept through the
 * deadlines in between: those are skipped and counted as missed, never run late in a burst, as rcl
 * timers skip missed periods (rcl_timer_call). A clock that jumps forward (a suspended VM) counts
 * every period it jumped over.
 */

/** Anything that can be released (subscriptions, timers, services). */
export interface Disposable {
  dispose(): void;
}

/** A periodic timer as the transports hand it out. */
export interface Timer extends Disposable {
  /** Ticks whose deadline passed while a previous tick was still late (skipped, never run twice). */
  readonly missedTicks: number;
}

export class DeadlineSchedule {
  /** Period (ns). */
  readonly periodNs: bigint;
  #deadlineNs: bigint;
  #missed = 0;

  /** The first deadline is `startNs + periodNs`. */
  constructor(periodNs: bigint, startNs: bigint) {
    if (periodNs <= 0n) throw new Error(`DeadlineSchedule: period must be > 0 ns, got ${periodNs}`);
    this.periodNs = periodNs;
    this.#deadlineNs = startNs + periodNs;
  }

  /** The next deadline not yet consumed (ns, same clock as `startNs`). */
  get deadlineNs(): bigint {
    return this.#deadlineNs;
  }

  /** Deadlines skipped so far. */
  get missedTicks(): number {
    return this.#missed;
  }

  /** Whether the next deadline has come at `nowNs`. */
  due(nowNs: bigint): boolean {
    return nowNs >= this.#deadlineNs;
  }

  /**
   * A tick runs at `nowNs` for the next deadline: consume it, and skip (count) every later
   * deadline that `nowNs` has also passed. Returns the number skipped now. A tick before its
   * deadline (a timer that rounds its sleep down, a faster simulated clock) consumes that one
   * deadline and skips nothing; callers that poll check `due` first.
   */
  advance(nowNs: bigint): number {
    const late = nowNs - this.#deadlineNs;
    const skipped = late > 0n ? late / this.periodNs : 0n;
    this.#deadlineNs += (skipped + 1n) * this.periodNs;
    const n = Number(skipped);
    this.#missed += n;
    return n;
  }
}
