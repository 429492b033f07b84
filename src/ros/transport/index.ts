/**
 * The middleware boundary: the Transport interface the nodes are written against, the message
 * types, the managed-node lifecycle, one ParameterStore for both transports, the in-process
 * transport and the rclnodejs adapter (with its message conversion and ROS environment finder).
 */
export type {
  CreateNodeOptions,
  Disposable,
  EndpointOptions,
  IncompatibleQosEvent,
  LifecycleHandle,
  NodeLogger,
  ParameterSpec,
  ParameterType,
  ParameterValue,
  Publisher,
  QosPolicyName,
  QosProfileName,
  SetParametersResult,
  Timer,
  TimerClock,
  Transport,
  TransportNode,
} from './transport.js';
export {
  DIAGNOSTIC_ERROR,
  DIAGNOSTIC_OK,
  DIAGNOSTIC_STALE,
  DIAGNOSTIC_WARN,
  nsToTime,
  timeToNs,
} from './messages.js';
export type {
  BoolMessage,
  ClockMessage,
  DiagnosticArrayMessage,
  DiagnosticStatusMessage,
  Float64ArrayMessage,
  HeaderMessage,
  JointStateMessage,
  MessageTypeName,
  MessageTypes,
  PointStampedMessage,
  PolicyOutputMessage,
  StringMessage,
  TfMessage,
  TransformStampedMessage,
} from './messages.js';
export {
  CALLBACK_ERROR,
  CALLBACK_FAILURE,
  CALLBACK_SUCCESS,
  guardLifecycleCallback,
  LifecycleStateMachine,
  STATE_ACTIVE,
  STATE_FINALIZED,
  STATE_IDS,
  STATE_INACTIVE,
  STATE_UNCONFIGURED,
} from './lifecycle.js';
export type {
  CallbackCode,
  LifecycleCallbacks,
  PrimaryState,
  TransitionName,
  TransitionResult,
} from './lifecycle.js';
export { ParameterStore, validateParameterValue } from './parameterStore.js';
export type { ParameterChange, SetParametersCallback } from './parameterStore.js';
export { InProcessTransport, SILENT_LOGGER } from './inProcessTransport.js';
export { qosCompatible, qosIncompatibility } from './qos.js';
export type { InProcessTransportOptions } from './inProcessTransport.js';
export { loadRclnodejsTransport, RclnodejsTransport } from './rclnodejs/rclnodejsTransport.js';
export { rosConverters } from './rclnodejs/rosMessages.js';
export type { RawPublisher, RawQos, RawTopicNode } from './rawTopics.js';
export {
  decodePolicyParameters,
  decodeStringMessage,
  decodeTransitionChunk,
  encodeStringMessage,
  encodePolicyParameters,
  encodeTransitionChunk,
} from './rclnodejs/fleetCodecs.js';
export type { PolicyParametersMessage } from './rclnodejs/fleetCodecs.js';
export {
  POLICY_PARAMETERS_MSG,
  POLICY_PARAMETERS_TYPE,
  TRANSITION_CHUNK_MSG,
  TRANSITION_CHUNK_TYPE,
} from './rclnodejs/fleetMessages.js';
export type { RosMessage } from './rclnodejs/rosMessages.js';
export {
  describeRosEnvironment,
  ensureRosEnvironment,
  findRosEnvironment,
  mergeEnvironment,
  NODE_LD_PRELOAD_VARIABLE,
  noRosError,
  projectRoot,
  projectRosHome,
  readRosEnvFile,
  ROS_ENV_APPLIED_MARKER,
  ROS_HOME_OVERRIDE,
  ROS_SETUP_HINT,
  userShellEnvironment,
} from './rclnodejs/rosEnv.js';
export type { RosEnvFile, RosEnvironment } from './rclnodejs/rosEnv.js';
