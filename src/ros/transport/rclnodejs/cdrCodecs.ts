/**
 * The per-tick topics as serialized messages: a joint state in, the command and PolicyOutput out,
 * taken and published as CDR bytes (rclnodejs raw subscriptions and Buffer publishes) and decoded
 * and encoded by @foxglove/rosmsg2-serialization, instead of through rclnodejs's message classes.
 *
 * Why (issue 20, docs/timing.md "Default settings over DDS"): rclnodejs turns a taken message into
 * a JavaScript object in four steps (a message class, its native struct, `deserialize`,
 * `toPlainObject`), and a published one in three; for a 7-joint JointState that was about 0.5 ms
 * of the node's main thread between the executor handing the message over and the tick starting,
 * every joint state, on the round trip's critical path. Reading the CDR bytes directly takes a few
 * microseconds. The bytes on the wire are the same: rmw publishes and takes the serialized form
 * (XCDR1 little-endian with its 4-byte encapsulation header) in both cases.
 *
 * The adapter's encoders and decoders per publisher and subscription (with reused buffers and
 * messages for the per-tick ones) are in cdrWire.ts. Only types with an embedded definition have a
 * codec; every other type keeps rclnodejs's own
 * conversion. POLICY_OUTPUT_MSG must equal ros2/torquepilot_msgs/msg/PolicyOutput.msg byte for
 * byte (test/ros/transport/cdrCodecs.test.ts checks it, and checks every codec's bytes against
 * rclnodejs's own serialization where ROS is set up).
 */
import { parse } from '@foxglove/rosmsg';
import { MessageReader, MessageWriter } from '@foxglove/rosmsg2-serialization';
import {
  DEFINITION_SEPARATOR,
  FLOAT64_MULTI_ARRAY_TYPE,
  JOINT_STATE_TYPE,
  schemaText,
} from '../../../replay/index.js';
import type { MessageTypeName } from '../messages.js';
import type { RosMessage } from './rosMessages.js';

export const POLICY_OUTPUT_TYPE = 'torquepilot_msgs/msg/PolicyOutput';

export const POLICY_OUTPUT_MSG = `# One control tick of the torquepilot policy node: what the Gaussian policy proposed and what the
# safety layer let through. Published on /torquepilot/policy_output at the control rate.
#
# All arrays have one entry per commanded joint, in the robot description's order (joint_names).

# stamp: the node clock (sim time under use_sim_time) when the tick ran; frame_id unused.
std_msgs/Header header

# Commanded joints in command order (the robot description's order).
string[] joint_names

# Mean of the Gaussian policy, mu_theta(s), in actuator units (N*m for torque joints).
float64[] mean
# Standard deviation sigma = exp(log_std) per joint.
float64[] std
# log sigma per joint (the policy's learned log-std, clamped).
float64[] log_std
# The action the policy chose: a sample of N(mean, (explore_scale * std)^2) in explore mode, the mean in
# deterministic (deploy) mode. Before the safety layer.
float64[] action
# log mu(action | s) under the behaviour (explore mode: N(mean, (explore_scale * std)^2));
# NaN in deterministic mode (the mean has no density).
float64 log_prob
# The torque actually published on the effort command topic (after scaling, clamping and rate
# limiting; zeros when the watchdog or the e-stop holds).
float64[] command

# True when the action is the mean (parameter explore = false).
bool deterministic
# Safety state of this tick: ok, clamped, rate_limited, waiting (no joint state or target yet),
# watchdog (joint states went stale), estop, non_finite, unarmed, ramping.
string safety_state
# The checkpoint's id (its manifest checkpoint id).
string checkpoint_id
# Wall time from reading the joint state to the command publish, in seconds.
float64 tick_latency
`;

/** The full definition text (root, then each dependency) of the types that have a codec. */
function definitionText(type: MessageTypeName): string | null {
  if (type === JOINT_STATE_TYPE || type === FLOAT64_MULTI_ARRAY_TYPE) return schemaText(type);
  if (type === POLICY_OUTPUT_TYPE) {
    // Header's dependencies as the replay room embeds them for JointState (same texts).
    const jointState = schemaText(JOINT_STATE_TYPE);
    const deps = jointState.slice(jointState.indexOf(DEFINITION_SEPARATOR));
    return `${POLICY_OUTPUT_MSG}${deps}`;
  }
  return null;
}

/** A message type's CDR reader and writer, on ROS-shaped (snake_case) objects. */
export interface CdrCodec {
  /** Decode one serialized message (encapsulation header included), as rclnodejs takes it raw. */
  read(bytes: Uint8Array): RosMessage;
  /** Encode one message into a Buffer that rclnodejs publishes as it is. */
  write(message: RosMessage): Buffer;
}

/** The library's writer, as cdrWire.ts uses it to write into a reused buffer. */
export type CdrMessageWriter = Pick<MessageWriter, 'writeMessage'>;

const codecs = new Map<MessageTypeName, CdrCodec | null>();
const writers = new Map<MessageTypeName, MessageWriter>();

/** The library's message writer of `type` (one of the types that have a codec). */
export function cdrWriter(type: MessageTypeName): CdrMessageWriter {
  if (cdrCodec(type) === null)
    throw new Error(`cdrWriter: ${type} has no CDR codec (cdrCodecs.ts)`);
  return writers.get(type) as MessageWriter;
}

/** The CDR codec of `type`, or null when it has none (rclnodejs then converts the message). */
export function cdrCodec(type: MessageTypeName): CdrCodec | null {
  const known = codecs.get(type);
  if (known !== undefined) return known;
  const text = definitionText(type);
  let codec: CdrCodec | null = null;
  if (text !== null) {
    const definitions = parse(text, { ros2: true });
    const reader = new MessageReader(definitions);
    const writer = new MessageWriter(definitions);
    writers.set(type, writer);
    codec = {
      read: (bytes) => reader.readMessage<RosMessage>(bytes),
      write: (message) => {
        const out = writer.writeMessage(message);
        return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      },
    };
  }
  codecs.set(type, codec);
  return codec;
}
