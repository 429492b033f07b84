/**
 * The policy node's topics and services (README, "Topics and QoS"): the command, PolicyOutput,
 * /diagnostics, joint states, e-stop, targets and the episode boundaries the recording is cut at
 * (the recording itself: policyNodeRecording.ts).
 */
import { CommandOutput } from '../control/index.js';
import type { DeploymentDescription } from '../control/index.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import type { HeaderMessage, JointStateMessage, PointStampedMessage } from '../transport/index.js';
import { POLICY_TOPICS } from './parameters.js';
import type {
  Disposable,
  EndpointOptions,
  IncompatibleQosEvent,
  Publisher,
  TransportNode,
} from '../transport/index.js';

/** Created on configure, disposed (inputs) on cleanup. */
export interface PolicyNodeIo {
  readonly commandOut: CommandOutput;
  readonly policyOutput: Publisher<'torquepilot_msgs/msg/PolicyOutput'>;
  readonly diagnostics: DiagnosticsPublisher;
  /** Subscriptions and the e-stop reset service. */
  readonly inputs: readonly Disposable[];
}

/**
 * Publishers, subscriptions and the reset service of a configured node. QoS: commands with the
 * system-default reliable profile ros2_control's controllers use; /joint_states 'sensor' (matches
 * RELIABLE joint_state_broadcaster and BEST_EFFORT drivers alike); the target twice, VOLATILE
 * ('latest': `ros2 topic pub`, RViz, Foxglove) and TRANSIENT_LOCAL ('latched': a target latched
 * before the node started), into one callback that drops the exact duplicate a latched publisher's
 * live sample makes. Every endpoint but the TRANSIENT_LOCAL twin reports incompatible peers to
 * `onIncompatibleQos` (the twin would report every VOLATILE target publisher, which its VOLATILE
 * sibling serves). Episode boundaries (std_msgs/Header on `episodeTopic`) come reliable and
 * volatile, as the sim robot publishes them and `ros2 topic pub` offers them.
 */
export function openPolicyNodeIo(
  node: TransportNode,
  description: DeploymentDescription,
  target: { readonly needed: boolean; readonly topic: string },
  episodeTopic: string,
  onIncompatibleQos: (event: IncompatibleQosEvent) => void,
  on: {
    readonly onJointState: (m: JointStateMessage) => void;
    readonly onTarget: (m: PointStampedMessage) => void;
    readonly onEpisode: (m: HeaderMessage) => void;
    readonly onEstop: () => void;
    /** Returns whether an e-stop was latched. */
    readonly onEstopReset: () => boolean;
  },
): PolicyNodeIo {
  const watched: EndpointOptions = { onIncompatibleQos };
  const commandOut = new CommandOutput(
    node.createPublisher(
      'std_msgs/msg/Float64MultiArray',
      description.commandTopic,
      'system_default',
      watched,
    ),
    description.torqueLimits,
  );
  const policyOutput = node.createPublisher(
    'torquepilot_msgs/msg/PolicyOutput',
    POLICY_TOPICS.policyOutput,
    'reliable',
    watched,
  );
  const diagnostics = new DiagnosticsPublisher(
    node.createPublisher(
      'diagnostic_msgs/msg/DiagnosticArray',
      POLICY_TOPICS.diagnostics,
      'reliable',
      watched,
    ),
    node.steadyNs(),
  );
  const inputs: Disposable[] = [
    node.createSubscription(
      'sensor_msgs/msg/JointState',
      description.jointStatesTopic,
      'sensor',
      on.onJointState,
      watched,
    ),
    node.createSubscription(
      'std_msgs/msg/Bool',
      POLICY_TOPICS.estop,
      'reliable',
      (m) => {
        if (m.data) on.onEstop();
      },
      watched,
    ),
    node.createSubscription(
      'std_msgs/msg/Bool',
      POLICY_TOPICS.estopReset,
      'reliable',
      (m) => {
        if (m.data) on.onEstopReset();
      },
      watched,
    ),
    node.createSubscription('std_msgs/msg/Header', episodeTopic, 'reliable', on.onEpisode, watched),
    node.createTriggerService(POLICY_TOPICS.estopResetService, () => {
      const was = on.onEstopReset();
      return { success: true, message: was ? 'e-stop cleared' : 'e-stop was not latched' };
    }),
  ];
  if (target.needed) {
    const onTarget = dropDuplicateTargets(on.onTarget);
    const type = 'geometry_msgs/msg/PointStamped';
    inputs.push(
      node.createSubscription(type, target.topic, 'latest', onTarget, watched),
      node.createSubscription(type, target.topic, 'latched', onTarget),
    );
  }
  return { commandOut, policyOutput, diagnostics, inputs };
}

/**
 * Passes each target once: a latched publisher's live sample reaches both target subscriptions,
 * and the second copy (same stamp, frame and point) is dropped. A new sample with the same point
 * and a new stamp passes (setting the same target again is harmless).
 */
export function dropDuplicateTargets(
  onTarget: (m: PointStampedMessage) => void,
): (m: PointStampedMessage) => void {
  let last: PointStampedMessage | null = null;
  return (m) => {
    if (
      last !== null &&
      last.stampNs === m.stampNs &&
      last.frameId === m.frameId &&
      last.x === m.x &&
      last.y === m.y &&
      last.z === m.z
    ) {
      return;
    }
    last = m;
    onTarget(m);
  };
}
