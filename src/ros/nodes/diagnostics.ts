/**
 * The policy node's /diagnostics message (diagnostic_msgs/msg/DiagnosticArray), one status with
 * key/value pairs as rqt_robot_monitor and Foxglove's diagnostics panel show them. The message,
 * the level and the `state` and `waiting_for` keys follow the node's one state
 * (policyNodeStatus.ts, where the precedence and levels are explained).
 */
import type { DiagnosticArrayMessage } from '../transport/index.js';
import type { Publisher } from '../transport/index.js';
import { policyNodeStatus } from './policyNodeStatus.js';
import type { PolicyNodeStatusInput } from './policyNodeStatus.js';
import type { PolicyNodeStats } from './policyNodeTypes.js';

export interface DiagnosticsInput {
  readonly stampNs: bigint;
  readonly nodeName: string;
  readonly hardwareId: string;
  /** Ticks per second over the last window. */
  readonly rateHz: number;
  readonly targetRateHz: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  readonly stats: PolicyNodeStats;
  readonly armed: boolean;
  readonly mode: string;
  readonly checkpointId: string;
  /** What the node's state is computed from, less the loop rates (above). */
  readonly state: Omit<PolicyNodeStatusInput, 'loopRateHz' | 'targetRateHz'>;
}

/** The DiagnosticArray of one report; level and message from the node's state. */
export function buildDiagnostics(d: DiagnosticsInput): DiagnosticArrayMessage {
  const status = policyNodeStatus({
    ...d.state,
    loopRateHz: d.rateHz,
    targetRateHz: d.targetRateHz,
  });
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : 'nan');
  // The report reads the state's age now, the safety layer counts a trip at its next tick: a trip
  // that has begun but not yet been ticked counts already, so `watchdog_tripped: true` never comes
  // with `watchdog_trips: 0`.
  const pendingTrip = status.watchdogTripped && d.stats.safetyState !== 'watchdog' ? 1 : 0;
  return {
    stampNs: d.stampNs,
    status: [
      {
        level: status.level,
        name: `${d.nodeName}: policy`,
        message: status.message,
        hardwareId: d.hardwareId,
        values: [
          { key: 'state', value: status.state },
          { key: 'waiting_for', value: status.waitingFor },
          { key: 'mode', value: d.mode },
          { key: 'checkpoint_id', value: d.checkpointId },
          { key: 'loop_rate_hz', value: f(d.rateHz) },
          { key: 'target_rate_hz', value: f(d.targetRateHz) },
          { key: 'tick_latency_p50_ms', value: f(d.p50LatencyMs) },
          { key: 'tick_latency_p99_ms', value: f(d.p99LatencyMs) },
          { key: 'ticks', value: String(d.stats.ticks) },
          { key: 'missed_ticks', value: String(d.stats.missedTicks) },
          { key: 'safety_state', value: d.stats.safetyState },
          { key: 'armed', value: String(d.armed) },
          { key: 'estop_latched', value: String(d.state.estopLatched) },
          { key: 'watchdog_tripped', value: String(status.watchdogTripped) },
          { key: 'watchdog_trips', value: String(d.stats.watchdogTrips + pendingTrip) },
          { key: 'max_abs_torque', value: f(d.stats.maxAbsTorque) },
          { key: 'torque_limit_violations', value: String(d.stats.torqueLimitViolations) },
          { key: 'non_finite_events', value: String(d.stats.nonFiniteEvents) },
        ],
      },
    ],
  };
}

/**
 * Publishes /diagnostics once per call (the node calls it from a 1 Hz timer), with the loop rate
 * over the window since the previous call.
 */
export class DiagnosticsPublisher {
  readonly #publisher: Publisher<'diagnostic_msgs/msg/DiagnosticArray'>;
  #windowTicks = 0;
  #windowStartNs: bigint;

  constructor(publisher: Publisher<'diagnostic_msgs/msg/DiagnosticArray'>, nowNs: bigint) {
    this.#publisher = publisher;
    this.#windowStartNs = nowNs;
  }

  /** Ticks counted since the last publish. */
  get windowTicks(): number {
    return this.#windowTicks;
  }

  countTick(): void {
    this.#windowTicks++;
  }

  /** Restart the rate window (on activate). */
  restart(nowNs: bigint): void {
    this.#windowStartNs = nowNs;
    this.#windowTicks = 0;
  }

  publish(nowNs: bigint, input: Omit<DiagnosticsInput, 'rateHz'>): void {
    const seconds = Number(nowNs - this.#windowStartNs) / 1e9;
    const rateHz = seconds > 0 ? this.#windowTicks / seconds : 0;
    this.restart(nowNs);
    this.#publisher.publish(buildDiagnostics({ ...input, rateHz }));
  }
}
