/**
 * /robot_description, the URDF text as robot_state_publisher latches it (std_msgs/msg/String,
 * RELIABLE, TRANSIENT_LOCAL, keep last 1): the sim robot publishes it when its robot came from a
 * URDF, so RViz's RobotModel display and Foxglove draw the arm on /tf; `robot import --topic`
 * reads a running robot's description from it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Transport, TransportNode } from '../transport/index.js';
import type { Disposable, QosPolicyName } from '../transport/index.js';
import { loadRclnodejsTransport } from '../transport/index.js';

/** robot_state_publisher's topic. */
export const ROBOT_DESCRIPTION_TOPIC = '/robot_description';

/** Default wait of `readRobotDescription`, ms. */
export const ROBOT_DESCRIPTION_TIMEOUT_MS = 5000;

/**
 * Latch `text` on `topic` (TRANSIENT_LOCAL, depth 1, as robot_state_publisher does): every
 * subscriber that joins later, RViz included, gets it. The publisher lives as long as `node`.
 */
export function publishRobotDescription(
  node: TransportNode,
  text: string,
  topic: string = ROBOT_DESCRIPTION_TOPIC,
): void {
  node.createPublisher('std_msgs/msg/String', topic, 'latched').publish({ data: text });
}

/**
 * The text of a URDF file for /robot_description; `parameter` names where the path came from in
 * the error (a missing or empty file).
 */
export function readRobotDescriptionFile(
  path: string,
  parameter = 'robot_description_file',
): string {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new Error(
      `readRobotDescriptionFile: ${parameter} = ${path}: cannot read ${absolute} (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (text.trim() === '') {
    throw new Error(`readRobotDescriptionFile: ${parameter} = ${path}: ${absolute} is empty`);
  }
  return text;
}

/**
 * The URDF the sim robot latches: `given` (the `robot_description_file` parameter's text) when
 * non-empty, else the robot's own (robot.yaml `description:`, an absolute path; `robotYaml` names
 * it in the error), else none. So an imported robot shows in RViz and Foxglove with no parameter.
 */
export function robotDescriptionText(
  given: string | undefined,
  robotFile: string | undefined,
  robotYaml = 'robot.yaml',
): string | undefined {
  if (given !== undefined && given !== '') return given;
  if (robotFile === undefined) return undefined;
  return readRobotDescriptionFile(robotFile, `description (${robotYaml})`);
}

export interface ReadRobotDescriptionOptions {
  /** How long to wait for the latched message, ms (default 5000). */
  readonly timeoutMs?: number;
}

/**
 * The first std_msgs/String on `topic`, subscribed TRANSIENT_LOCAL so that the message a latched
 * publisher sent before this call arrives; on `transport` (in-process or DDS), with a node of its
 * own that is destroyed afterwards (over rclnodejs, spin the transport after this call: its new node
 * spins from then on). Rejects after `timeoutMs` with an error naming the topic, the
 * ROS_DOMAIN_ID and, when DDS reported one, the publisher whose QoS cannot match.
 */
export function readRobotDescriptionFrom(
  transport: Transport,
  topic: string = ROBOT_DESCRIPTION_TOPIC,
  options: ReadRobotDescriptionOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? ROBOT_DESCRIPTION_TIMEOUT_MS;
  const node = transport.createNode(`torquepilot_description_reader_${process.pid}`);
  const incompatible: { peers: string[]; policy: QosPolicyName }[] = [];
  return new Promise<string>((resolvePromise, reject) => {
    let sub: Disposable | null = null;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub?.dispose();
      node.destroy();
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(noDescriptionMessage(topic, timeoutMs, incompatible)));
    }, timeoutMs);
    sub = node.createSubscription(
      'std_msgs/msg/String',
      topic,
      'latched',
      (m) => {
        if (done) return;
        resolvePromise(m.data);
        // Not from inside the node's own callback: rclnodejs is still executing its wait set.
        setImmediate(finish);
      },
      {
        onIncompatibleQos: (e) => incompatible.push({ peers: [...e.peerNodes], policy: e.policy }),
      },
    );
  });
}

/**
 * `readRobotDescriptionFrom` over DDS (rclnodejs): the URDF a running robot_state_publisher (or
 * any latched publisher) holds on `topic`. The process must already run in the ROS environment:
 * the CLI calls `ensureRosEnvironment()` first. Shuts its rclnodejs context down when done.
 */
export async function readRobotDescription(
  topic: string = ROBOT_DESCRIPTION_TOPIC,
  options: ReadRobotDescriptionOptions = {},
): Promise<string> {
  const transport = await loadRclnodejsTransport({ argv: [] });
  try {
    const description = readRobotDescriptionFrom(transport, topic, options);
    transport.spin();
    return await description;
  } finally {
    await transport.shutdown();
  }
}

function noDescriptionMessage(
  topic: string,
  timeoutMs: number,
  incompatible: readonly { peers: readonly string[]; policy: QosPolicyName }[],
): string {
  const seconds = Number((timeoutMs / 1000).toPrecision(3));
  const domain = process.env['ROS_DOMAIN_ID'] ?? '0';
  let message =
    `readRobotDescription: no publisher on ${topic} within ${seconds} s; is robot_state_publisher ` +
    `running in this ROS_DOMAIN_ID (${domain})? The topic is read TRANSIENT_LOCAL (latched, as ` +
    `robot_state_publisher publishes it): a VOLATILE publisher's message never reaches it.`;
  for (const e of incompatible) {
    message += ` A publisher${e.peers.length > 0 ? ` (${e.peers.join(', ')})` : ''} on ${topic} has an incompatible QoS (${e.policy}).`;
  }
  return message;
}
