/**
 * The ROS nodes: the policy node (lifecycle, parameters and I/O around control/'s ControlStep),
 * the simulated robot node and its MuJoCo deployment, /tf and /robot_description (the arm in RViz
 * and Foxglove; `readRobotDescription` for robot import), the trainer node, the episode-recording
 * glue, and every node's parameter table (the docs generator reads them from here through
 * src/ros/index.ts).
 */
export {
  EPISODE_BOUNDARIES,
  parameterDefaults,
  parameterSpec,
  POLICY_NODE_NAME,
  POLICY_NODE_PARAMETERS,
  POLICY_TOPICS,
  SIM_ROBOT_NODE_NAME,
  SIM_ROBOT_PARAMETERS,
  SIM_ROBOT_RESET_SERVICE,
  TRAINER_NODE_NAME,
  TRAINER_NODE_PARAMETERS,
  TRAINER_TOPICS,
} from './parameters.js';
export type { EpisodeBoundary } from './parameters.js';
export { PolicyNode } from './policyNode.js';
export type {
  PolicyNodeOptions,
  PolicyNodeStats,
  RecordedStep,
  RecorderFactory,
  RecordingInfo,
  StepRecorder,
} from './policyNodeTypes.js';
export { buildDiagnostics, DiagnosticsPublisher } from './diagnostics.js';
export type { DiagnosticsInput } from './diagnostics.js';
export { declareSimRobotParameters, SimRobotNode } from './simRobotNode.js';
export type { SimRobotOptions, SimRobotStats, SimulatedRobot } from './simRobotNode.js';
export {
  CheckpointPolicy,
  createDeploymentLoader,
  defaultDescriptionPath,
  MujocoRobot,
  TaskObservation,
} from './simDeployment.js';
export { DEFAULT_TF_RATE_HZ, LINK_POSE_STRIDE, TF_TOPIC, TfPublisher } from './tfPublisher.js';
export type { LinkPoseSource } from './tfPublisher.js';
export {
  publishRobotDescription,
  readRobotDescription,
  readRobotDescriptionFile,
  readRobotDescriptionFrom,
  ROBOT_DESCRIPTION_TIMEOUT_MS,
  ROBOT_DESCRIPTION_TOPIC,
} from './robotDescriptionTopic.js';
export type { ReadRobotDescriptionOptions } from './robotDescriptionTopic.js';
export { TrainerNode } from './trainerNode.js';
export type { TrainerNodeOptions, TrainerNodeStats } from './trainerNode.js';
export { BagEpisodeSink, bagRecorderFactory } from './episodeRecording.js';
export { CAP_GRACE_STEPS, EpisodeSegmenter } from './episodeSegmenter.js';
export type {
  EpisodeSink,
  RecordingCounts,
  SegmentedEpisode,
  SegmentedStep,
} from './episodeSegmenter.js';
export { ChunkEpisodeSink, episodeSegments } from './chunkPublisher.js';
export type { ChunkSinkStats } from './chunkPublisher.js';
export { ParameterFollower } from './parameterFollower.js';
export type { ParameterFollowerStats } from './parameterFollower.js';
export type { PolicyNodeRecordingStats } from './policyNodeRecording.js';
export { ActorNode } from './actorNode.js';
export type { ActorNodeOptions, ActorNodeStats } from './actorNode.js';
export { LearnerNode } from './learnerNode.js';
export type { LearnerMetrics, LearnerNodeOptions, LearnerRunResult } from './learnerNode.js';
export { FLEET_QOS, FLEET_TOPICS, TopicTransitionSource } from './topicTransitionSource.js';
export type { TopicSourceStats, TopicTransitionSourceOptions } from './topicTransitionSource.js';
