/**
 * Incompatible-QoS warnings, worded as rclcpp logs them, plus the peer node (which rclcpp leaves
 * out, and which is what an operator needs to find the tool that is misconfigured):
 *
 *   New publisher discovered on topic '/torquepilot/estop', offering incompatible QoS. No messages
 *   will be received from it. Last incompatible policy: RELIABILITY (publisher node: /estop_button)
 *
 * One warning per (topic, peer node, policy): DDS raises the event once per newly matched
 * endpoint, so a peer that restarts, or a second endpoint of the same node, would otherwise repeat
 * it.
 */
import type { IncompatibleQosEvent, NodeLogger } from '../transport/index.js';

/** The warning for one peer node of an event ('' = the graph did not name it). */
export function incompatibleQosMessage(event: IncompatibleQosEvent, peerNode: string): string {
  const peer = peerNode === '' ? 'unknown' : peerNode;
  return event.endpoint === 'subscription'
    ? `New publisher discovered on topic '${event.topic}', offering incompatible QoS. No messages will be received from it. Last incompatible policy: ${event.policy} (publisher node: ${peer})`
    : `New subscription discovered on topic '${event.topic}', requesting incompatible QoS. No messages will be sent to it. Last incompatible policy: ${event.policy} (subscription node: ${peer})`;
}

/** Logs each (topic, peer node, policy) once, on `logger.warn`, prefixed with the node's name. */
export class QosWarnings {
  readonly #logger: NodeLogger;
  readonly #prefix: string;
  readonly #seen = new Set<string>();

  constructor(logger: NodeLogger, nodeName: string) {
    this.#logger = logger;
    this.#prefix = `${nodeName}: `;
  }

  /** The handler to pass as an endpoint's `onIncompatibleQos`. */
  readonly onIncompatibleQos = (event: IncompatibleQosEvent): void => {
    const peers = event.peerNodes.length > 0 ? event.peerNodes : [''];
    for (const peer of peers) {
      const key = `${event.endpoint}|${event.topic}|${peer}|${event.policy}`;
      if (this.#seen.has(key)) continue;
      this.#seen.add(key);
      this.#logger.warn(this.#prefix + incompatibleQosMessage(event, peer));
    }
  };

  /** How many distinct warnings were logged. */
  get count(): number {
    return this.#seen.size;
  }
}
