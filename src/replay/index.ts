/**
 * Public API of src/replay: logged episodes as rosbag2 MCAP bags, and importance-sampled
 * off-policy updates from them.
 *
 * Recording (simulation or a real robot, fed one control step at a time):
 *   const rec = await EpisodeRecorder.create('bags/run1', { task, jointNames, checkpointId, obsSize });
 *   await rec.writeStep({ stampNs, episodeIndex, stepIndex, observation, action, mean, logStd,
 *                         logProb, reward, terminated, truncated, finalObservation?, jointState?, command? });
 *   await rec.close();                       // renames the .mcap into place, writes metadata.yaml
 *
 * Reading (streaming; damaged files yield the episodes before the damage):
 *   const reader = await BagEpisodeReader.open('bags/run1');
 *   for await (const ep of reader.episodes()) { ... }   // columnar Episode
 *   reader.report();                                    // { episodes, transitions, skippedEpisodes, damage? }
 *
 * As a source of the learning seam (src/learn TransitionSource): new BagTransitionSource({ bags })
 * delivers each episode as a segment (replay reads its bags through it).
 *
 * Learning: runReplay({ bags, checkpoint, out, config }) or, with your own data source,
 * replayUpdate(policy, value, replayData, context, config).
 */
export type {
  BagTopics,
  TransitionRecord,
  JointStateRecord,
  CommandRecord,
  RecordedStep,
  Episode,
} from './types.js';
export { DEFAULT_TOPICS } from './types.js';
export {
  schemaText,
  TRANSITION_MSG,
  TRANSITION_TYPE,
  JOINT_STATE_TYPE,
  FLOAT64_MULTI_ARRAY_TYPE,
  DEFINITION_SEPARATOR,
} from './messageDefinitions.js';
export {
  ROSBAG2_METADATA_VERSION,
  DEFAULT_QOS,
  offeredQosProfilesYaml,
  bagMetadataYaml,
  parseBagMetadata,
  rosbag2MetadataSchema,
  torquepilotMetadataSchema,
  qosProfileSchema,
} from './bagMetadata.js';
export type { QosProfile, BagMetadataInput, BagTopicInfo, Rosbag2Metadata } from './bagMetadata.js';
export { EpisodeMessageCodec } from './episodeMessages.js';
export { EpisodeBagWriter, EPISODE_FORMAT_VERSION, MCAP_LIBRARY } from './episodeBagWriter.js';
export type { EpisodeBagWriterOptions } from './episodeBagWriter.js';
export { EpisodeRecorder, NodeFileWritable } from './episodeRecorder.js';
export type { EpisodeRecorderOptions } from './episodeRecorder.js';
export { McapMessageStream, genericDecoder } from './mcapMessageStream.js';
export type { RawBagMessage, BagChannelInfo } from './mcapMessageStream.js';
export { EpisodeAssembler } from './episodeAssembler.js';
export { BagEpisodeReader } from './bagEpisodeReader.js';
export type { BagReadOptions, BagReadReport, BagMessage } from './bagEpisodeReader.js';
export {
  logImportanceRatios,
  trajectoryLogWeights,
  perDecisionLogWeights,
  truncatedWeights,
  selfNormalisedWeights,
  effectiveSampleSize,
  effectiveSampleSizeFromLog,
  logSumExp,
  weightsFromLog,
  weightStats,
  StreamingWeightStats,
} from './importanceWeights.js';
export type { TruncatedWeights, WeightStats } from './importanceWeights.js';
export { discountedReturns, perDecisionReturns, vtrace } from './offPolicyReturns.js';
export type { VTraceResult } from './offPolicyReturns.js';
export {
  BagTransitionSource,
  bagIdentityCustomData,
  segmentsFromEpisodes,
} from './bagTransitionSource.js';
export type {
  BagTransitionSourceOptions,
  BagIdentityDefaults,
  BagOpened,
  BagEpisodeInfo,
  BagDelivery,
  BagSource,
} from './bagTransitionSource.js';
export { ReplayDataBuilder } from './replayData.js';
export type { ReplayData } from './replayData.js';
export {
  REPLAY_DEFAULTS,
  WEIGHTING_NAMES,
  replayTargets,
  replayUpdate,
  normalisedObservations,
} from './replayUpdate.js';
export type {
  ReplayConfig,
  WeightingName,
  ReplayTargets,
  ReplayResult,
  ReplayIterationStats,
} from './replayUpdate.js';
export { runReplay, readReplayData, refuseDeterministicSteps } from './runReplay.js';
export { criticOnlyReplay } from './criticReplay.js';
export type { CriticReplayStats } from './criticReplay.js';
export type { RunReplayOptions, ReplaySummary, ReplayMoveStats } from './runReplay.js';
export { recordSimulatedEpisodes, recordEpisodeSeed } from './recordSimulation.js';
export type { RecordOptions, RecordResult } from './recordSimulation.js';
export { registerReplayCommands } from './cli.js';
export type { StepSample } from './types.js';
