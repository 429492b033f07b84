/**
 * The effort command output of the policy node: std_msgs/msg/Float64MultiArray with exactly one
 * entry per commanded joint in description order. ros2_control's JointGroupEffortController drops a
 * wrong-size message silently (the arm then keeps its last torque), so the size is asserted before
 * every publish. Buffers come from a small ring, so a tick allocates nothing and a subscriber that
 * keeps a message sees it unchanged for the next RING − 1 ticks. Counts what was published.
 */

/** Where commands go: the transport's std_msgs/msg/Float64MultiArray publisher fits. */
export interface CommandPublisher {
  publish(message: { readonly data: ArrayLike<number> }): void;
  /** See transport.ts Publisher.waitForDelivery; absent: delivered on publish. */
  waitForDelivery?(timeoutMs: number): boolean;
}

const RING = 8;

export class CommandOutput {
  readonly #publisher: CommandPublisher;
  readonly #limits: Float64Array;
  readonly #ring: Float64Array[];
  #index = 0;
  #published = 0;
  #maxAbsTorque = 0;
  #violations = 0;

  /** @param limits symmetric torque limit per joint, description order. Shape: (nJoints). */
  constructor(publisher: CommandPublisher, limits: ArrayLike<number>) {
    this.#publisher = publisher;
    this.#limits = Float64Array.from(limits);
    this.#ring = Array.from({ length: RING }, () => new Float64Array(limits.length));
  }

  get jointCount(): number {
    return this.#limits.length;
  }
  get published(): number {
    return this.#published;
  }
  get maxAbsTorque(): number {
    return this.#maxAbsTorque;
  }
  /** Published entries with |τ| above the joint's limit (the safety layer keeps this at 0). */
  get torqueLimitViolations(): number {
    return this.#violations;
  }

  /** The next buffer to fill. Shape: (nJoints). */
  next(): Float64Array {
    this.#index = (this.#index + 1) % RING;
    return this.#ring[this.#index] as Float64Array;
  }

  /** Publish `command` (a buffer from `next()`); throws rather than send a wrong size. */
  publish(command: Float64Array): void {
    const n = this.#limits.length;
    if (command.length !== n) {
      throw new Error(`CommandOutput.publish: ${command.length} entries for ${n} joints; not sent`);
    }
    this.#publisher.publish({ data: command });
    this.#published++;
    for (let j = 0; j < n; j++) {
      const a = Math.abs(command[j] as number);
      if (a > this.#maxAbsTorque) this.#maxAbsTorque = a;
      if (a > (this.#limits[j] as number) * (1 + 1e-12)) this.#violations++;
    }
  }

  /** Publish zero torque on every joint. */
  publishZero(): void {
    const zero = this.next();
    zero.fill(0);
    this.publish(zero);
  }

  /**
   * Block until what was published reached the controller (acknowledged), at most `timeoutMs`.
   * True when it did, or when the publisher delivers on publish.
   */
  waitForDelivery(timeoutMs: number): boolean {
    return this.#publisher.waitForDelivery?.(timeoutMs) ?? true;
  }
}
