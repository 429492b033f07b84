/**
 * RawTopicNode (../rawTopics.ts) on an rclnodejs node: publishers that send Buffers as they are
 * and subscriptions taken raw (`isRaw`), with the QoS spelled out. As everywhere in the adapter
 * (rclnodejsNode.ts), nothing may throw out of a callback rclnodejs runs, and nothing is sent
 * once the transport is shut down.
 */
import type * as rclnodejsModule from 'rclnodejs';
import type { Node as RclNode, QoS as RclQoS } from 'rclnodejs';
import type { Disposable } from '../../timing/index.js';
import type { RawPublisher, RawQos, RawTopicNode } from '../rawTopics.js';
import type { NodeLogger } from '../transport.js';

type Rcl = typeof rclnodejsModule;

function rclQos(rcl: Rcl, qos: RawQos): RclQoS {
  if (!Number.isInteger(qos.depth) || qos.depth < 1)
    throw new Error(`rawEndpoints: QoS depth ${qos.depth} must be a positive integer`);
  // rmw numbering: history 1 = KEEP_LAST; reliability 1/2 = RELIABLE/BEST_EFFORT; durability
  // 1/2 = TRANSIENT_LOCAL/VOLATILE.
  return new rcl.QoS(
    1 as RclQoS.HistoryPolicy,
    qos.depth,
    (qos.reliability === 'reliable' ? 1 : 2) as RclQoS.ReliabilityPolicy,
    (qos.durability === 'transient_local' ? 1 : 2) as RclQoS.DurabilityPolicy,
  );
}

const isPowerOf10 = (n: number): boolean => Number.isInteger(Math.log10(n));

export function rawTopicNode(
  rcl: Rcl,
  node: RclNode,
  base: { name: string; logger: NodeLogger; now(): bigint },
  isClosed: () => boolean,
): RawTopicNode {
  const log = base.logger;
  return {
    name: base.name,
    logger: log,
    now: () => base.now(),
    createRawPublisher(type: string, topic: string, qos: RawQos): RawPublisher {
      const pub = node.createPublisher(type as never, topic, {
        qos: rclQos(rcl, qos),
      }) as unknown as {
        publish(m: Buffer): void;
      };
      let failures = 0;
      return {
        topic,
        publish: (bytes) => {
          if (isClosed()) return;
          try {
            pub.publish(bytes);
          } catch (err) {
            failures++;
            if (isPowerOf10(failures))
              log.error(
                `${base.name}: publish on ${topic} failed (${failures} so far): ${err instanceof Error ? err.message : String(err)}`,
              );
          }
        },
        subscriptionCount: () => {
          // rclnodejs 2.x: a getter in lib/publisher.js, a method in its .d.ts.
          try {
            const count: unknown = (pub as { subscriptionCount?: unknown }).subscriptionCount;
            if (typeof count === 'number') return count;
            return typeof count === 'function' ? (count as () => number).call(pub) : 0;
          } catch {
            return 0;
          }
        },
      };
    },
    createRawSubscription(
      type: string,
      topic: string,
      qos: RawQos,
      callback: (bytes: Uint8Array) => void,
    ): Disposable {
      let failures = 0;
      const sub = node.createSubscription(
        type as never,
        topic,
        { qos: rclQos(rcl, qos), isRaw: true },
        (message: unknown) => {
          if (isClosed()) return;
          try {
            callback(message as Uint8Array);
          } catch (err) {
            failures++;
            if (isPowerOf10(failures))
              log.error(
                `${base.name}: callback of ${topic} failed (${failures} so far): ${err instanceof Error ? err.message : String(err)}`,
              );
          }
        },
      );
      return {
        dispose: () => {
          try {
            node.destroySubscription(sub);
          } catch {
            // the node is already destroyed
          }
        },
      };
    },
  };
}
