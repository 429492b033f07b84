/**
 * /tf from a simulation, as robot_state_publisher publishes it from a URDF and /joint_states: one
 * tf2_msgs/msg/TFMessage holding, for every link, its pose in its parent link's frame
 * (geometry_msgs/TransformStamped, header.frame_id = parent, child_frame_id = link). RViz's TF and
 * RobotModel displays and Foxglove's 3D panel draw the arm from it.
 *
 * Every transform goes on /tf (none on /tf_static): a randomised model may move a "fixed" link
 * between episodes, and tf listeners treat /tf transforms of fixed links the same way.
 */
import type { TransformStampedMessage } from '../transport/index.js';
import type { Publisher, TransportNode } from '../transport/index.js';

/** The topic tf2 listeners, RViz and Foxglove read. */
export const TF_TOPIC = '/tf';

/**
 * Default most /tf messages per second: robot_state_publisher's `publish_frequency` default
 * (20 Hz), enough to watch an arm move; `tf_rate` raises it up to one per joint state.
 */
export const DEFAULT_TF_RATE_HZ = 20;

/** Floats per link pose in `LinkPoseSource.readLinkPoses`: tx, ty, tz, qw, qx, qy, qz. */
export const LINK_POSE_STRIDE = 7;

/** A robot's link tree and the links' current poses (the MuJoCo body tree in production). */
export interface LinkPoseSource {
  /** Child frame of each transform (the link), in `readLinkPoses` order. */
  readonly linkFrames: readonly string[];
  /** Parent frame of each transform (the parent link; `world` for the root). */
  readonly linkParents: readonly string[];
  /**
   * Each link's pose in its parent's frame: translation (m), then the unit quaternion w, x, y, z.
   * @param out Shape: (linkFrames.length, LINK_POSE_STRIDE), row-major.
   */
  readLinkPoses(out: Float64Array): void;
}

/** Publishes a LinkPoseSource on /tf, at most `rateHz` times per second of the stamps' clock. */
export class TfPublisher {
  readonly #source: LinkPoseSource;
  readonly #pub: Publisher<'tf2_msgs/msg/TFMessage'>;
  readonly #poses: Float64Array;
  /** 7/8 of the period: states at the tf rate with some jitter are all sent. */
  readonly #minGapNs: bigint;
  #lastNs: bigint | null = null;
  #published = 0;

  /** `rateHz` > 0 (a node with `tf_rate` 0 makes no TfPublisher). */
  constructor(node: TransportNode, source: LinkPoseSource, rateHz: number) {
    if (!(rateHz > 0)) {
      throw new Error(`TfPublisher: rateHz = ${rateHz}, expected > 0 (0 means: make none)`);
    }
    const n = source.linkFrames.length;
    if (source.linkParents.length !== n) {
      throw new Error(
        `TfPublisher: ${n} link frames but ${source.linkParents.length} parent frames`,
      );
    }
    this.#source = source;
    this.#poses = new Float64Array(n * LINK_POSE_STRIDE);
    this.#minGapNs = BigInt(Math.round((7 / 8) * (1e9 / rateHz)));
    // robot_state_publisher's /tf publisher: RELIABLE, VOLATILE (tf2's TransformListener default).
    this.#pub = node.createPublisher('tf2_msgs/msg/TFMessage', TF_TOPIC, 'reliable');
  }

  /** Messages published so far. */
  get published(): number {
    return this.#published;
  }

  /**
   * Publish the current link poses stamped `stampNs`, unless the last message is less than 7/8
   * of a period older (a stamp that went back, e.g. a new sim clock, always publishes).
   * Returns whether it published.
   */
  publish(stampNs: bigint): boolean {
    const last = this.#lastNs;
    if (last !== null && stampNs >= last && stampNs - last < this.#minGapNs) return false;
    this.#lastNs = stampNs;
    const source = this.#source;
    const p = this.#poses;
    source.readLinkPoses(p);
    const transforms: TransformStampedMessage[] = [];
    for (let i = 0; i < source.linkFrames.length; i++) {
      const o = i * LINK_POSE_STRIDE;
      transforms.push({
        stampNs,
        frameId: source.linkParents[i] as string,
        childFrameId: source.linkFrames[i] as string,
        translation: { x: p[o] as number, y: p[o + 1] as number, z: p[o + 2] as number },
        rotation: {
          w: p[o + 3] as number,
          x: p[o + 4] as number,
          y: p[o + 5] as number,
          z: p[o + 6] as number,
        },
      });
    }
    this.#pub.publish({ transforms });
    this.#published++;
    return true;
  }
}
