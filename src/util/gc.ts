/**
 * A full garbage collection on request, without starting Node with --expose-gc. A control loop
 * calls it once before its first tick, so that the young objects left by loading (checkpoint,
 * description, models) are not scavenged, at several ms, in the middle of the first ticks.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Collect, then block this thread for `settleMs` so that V8's concurrent sweeping, which follows
 * the collection on helper threads, finishes on an idle CPU. Otherwise those threads share the two
 * cores with the first ticks of a busy-polling loop, which the scheduler then slices in 4 ms
 * turns (measured: missed ticks in the first 100 ms at 500 Hz).
 */
export function collectGarbage(settleMs = 100): void {
  if (gc === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') {
      gc = exposed;
    } else {
      // V8 installs `gc` on contexts created after the flag is set.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
  if (settleMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, settleMs);
}
