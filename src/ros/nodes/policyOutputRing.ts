/**
 * The PolicyOutput of each tick, written into preallocated messages instead of built per tick
 * (issue 20: per-tick garbage feeds the young-generation collections, one suspect of the DDS
 * round trip's stalls). Messages come from a small ring, as the commands do (control/
 * commandOutput.ts): over DDS the message is encoded as it is published, and in process a
 * subscriber that keeps one sees it unchanged for the next RING − 1 ticks (copy it to keep it
 * longer).
 */
import type { ControlStep, NodePolicy, SafetyVerdict } from '../control/index.js';
import type { PolicyOutputMessage, Publisher } from '../transport/index.js';

const RING = 8;

interface OutputSlot {
  stampNs: bigint;
  readonly jointNames: readonly string[];
  readonly mean: Float64Array;
  readonly std: Float64Array;
  readonly logStd: Float64Array;
  readonly action: Float64Array;
  logProb: number;
  readonly command: Float64Array;
  deterministic: boolean;
  safetyState: string;
  readonly checkpointId: string;
  tickLatency: number;
}

export class PolicyOutputRing {
  readonly #publisher: Publisher<'torquepilot_msgs/msg/PolicyOutput'>;
  readonly #policy: NodePolicy;
  readonly #slots: OutputSlot[];
  #index = 0;

  /** @param jointNames commanded joints in command order (the robot description's). */
  constructor(
    publisher: Publisher<'torquepilot_msgs/msg/PolicyOutput'>,
    policy: NodePolicy,
    jointNames: readonly string[],
  ) {
    this.#publisher = publisher;
    this.#policy = policy;
    const n = jointNames.length;
    const a = policy.actionSize;
    this.#slots = Array.from({ length: RING }, () => ({
      stampNs: 0n,
      jointNames,
      mean: new Float64Array(a),
      std: new Float64Array(a),
      logStd: new Float64Array(a),
      action: new Float64Array(n),
      logProb: NaN,
      command: new Float64Array(n),
      deterministic: true,
      safetyState: '',
      checkpointId: policy.checkpointId,
      tickLatency: 0,
    }));
  }

  /**
   * Publish the PolicyOutput of the tick `control` just made: the policy's mean and log σ of its
   * last act, the action, and `command` when the safety layer let it through (zeros when it
   * withheld it); `tickLatencyNs`: from reading the joint state to the command publish.
   */
  publish(
    stampNs: bigint,
    control: ControlStep,
    logProb: number,
    command: Float64Array,
    verdict: SafetyVerdict,
    tickLatencyNs: number,
  ): void {
    this.#index = (this.#index + 1) % RING;
    const m = this.#slots[this.#index] as OutputSlot;
    const { mean, logStd } = this.#policy;
    m.stampNs = stampNs;
    m.mean.set(mean);
    m.logStd.set(logStd);
    for (let j = 0; j < logStd.length; j++) m.std[j] = Math.exp(logStd[j] as number);
    m.action.set(control.action);
    m.logProb = logProb;
    if (verdict.publish) m.command.set(command);
    else m.command.fill(0);
    m.deterministic = !control.behaviour.explore;
    m.safetyState = verdict.state;
    m.tickLatency = tickLatencyNs / 1e9;
    this.#publisher.publish(m satisfies PolicyOutputMessage);
  }
}
