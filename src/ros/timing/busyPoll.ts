/**
 * Busy polling for control loops at hundreds of Hz on a kernel without real-time guarantees.
 *
 * A thread that sleeps until its deadline depends on the kernel (and, in a VM, the hypervisor) to
 * wake it on time. On the stock (PREEMPT_NONE) kernel of our 2-core VM that wake-up was late by
 * 2–15 ms dozens of times a minute; a thread that never sleeps lost the CPU for ≥ 2 ms about once
 * a minute. `bench/jitter.ts` measures both on any machine (a cyclictest-like baseline). At 500 Hz
 * (2 ms period) each such delay is a missed tick.
 *
 * The busy-poll loop never sleeps: one `setImmediate` chain on the main thread checks the timers'
 * deadlines (for up to TURN_NS per turn) and calls the pollers (non-blocking work) once per turn.
 * Each turn's I/O poll has a zero timeout, so messages, services and other timers keep being
 * served. The price is one CPU core at 100% while the loop runs; it stops by itself when the last
 * timer and poller are disposed. Opt-in (`--busy-poll`), as one would dedicate a core to a
 * real-time loop.
 */
import { DeadlineSchedule } from './deadlineSchedule.js';
import type { Disposable, Timer } from './deadlineSchedule.js';

/**
 * Longest a turn checks timers before it lets the event loop poll I/O (ns): I/O waits at most this
 * long. Each turn costs one Immediate, which is garbage; the clock reads are BigInt compares, which
 * V8 keeps off the heap (performance.now() would allocate on every call).
 */
const TURN_NS = 50_000n;

interface SpinTimer {
  readonly schedule: DeadlineSchedule;
  readonly callback: () => void;
  active: boolean;
}

export class BusyPollLoop {
  /**
   * Where a throwing timer callback or poller goes; the loop goes on (one failing callback must
   * not stop a control loop). Default: stderr.
   */
  onError: (err: unknown) => void = (err) => {
    process.stderr.write(`busy-poll loop: a callback threw: ${String(err)}\n`);
  };
  readonly #timers: SpinTimer[] = [];
  readonly #pollers: (() => void)[] = [];
  #running = false;
  #turns = 0;

  /** Event-loop turns so far (a measure of the polling rate). */
  get turns(): number {
    return this.#turns;
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * A drift-free periodic timer (deadlines start + k·period, k ≥ 1). A deadline that passed a full
   * period or more before the loop saw it is skipped and counted as missed, never run late in a
   * burst (as rcl timers skip missed periods).
   */
  addTimer(periodNs: bigint, callback: () => void): Timer {
    if (periodNs <= 0n)
      throw new Error(`BusyPollLoop.addTimer: period must be > 0, got ${periodNs}`);
    const timer: SpinTimer = {
      schedule: new DeadlineSchedule(periodNs, process.hrtime.bigint()),
      callback,
      active: true,
    };
    this.#timers.push(timer);
    this.#start();
    return {
      get missedTicks() {
        return timer.schedule.missedTicks;
      },
      dispose: () => {
        timer.active = false;
        const i = this.#timers.indexOf(timer);
        if (i >= 0) this.#timers.splice(i, 1);
      },
    };
  }

  /** Call `poll` on every turn of the loop (non-blocking work only). */
  addPoller(poll: () => void): Disposable {
    this.#pollers.push(poll);
    this.#start();
    return {
      dispose: () => {
        const i = this.#pollers.indexOf(poll);
        if (i >= 0) this.#pollers.splice(i, 1);
      },
    };
  }

  #start(): void {
    if (this.#running) return;
    this.#running = true;
    setImmediate(this.#turn);
  }

  readonly #turn = (): void => {
    if (this.#timers.length === 0 && this.#pollers.length === 0) {
      this.#running = false;
      return;
    }
    this.#turns++;
    setImmediate(this.#turn);
    for (let i = 0; i < this.#pollers.length; i++) {
      try {
        (this.#pollers[i] as () => void)();
      } catch (err) {
        this.onError(err);
      }
    }
    // Check the timers for up to TURN_NS before yielding to I/O.
    const turnEnd = process.hrtime.bigint() + TURN_NS;
    for (;;) {
      const now = process.hrtime.bigint();
      for (let i = 0; i < this.#timers.length; i++) {
        const t = this.#timers[i] as SpinTimer;
        if (!t.schedule.due(now)) continue;
        t.schedule.advance(now);
        try {
          t.callback();
        } catch (err) {
          this.onError(err);
        }
      }
      if (now >= turnEnd) break;
    }
  };
}

/** The process's busy-poll loop (one per event loop: two would each starve the other's turns). */
export const busyPollLoop = new BusyPollLoop();
