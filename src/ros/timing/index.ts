/**
 * Timing for control loops: the drift-free deadline schedule behind every missed-tick count, the
 * busy-poll loop, the worker-thread precise timer, tick pacing on joint states and latency
 * statistics. Imports nothing from the other ros rooms.
 */
export { DeadlineSchedule } from './deadlineSchedule.js';
export type { Disposable, Timer } from './deadlineSchedule.js';
export { BusyPollLoop, busyPollLoop } from './busyPoll.js';
export { PreciseTimer } from './preciseTimer.js';
export { JointStateTickPacing } from './tickPacing.js';
export { LatencyRing, percentile } from './latencyStats.js';
