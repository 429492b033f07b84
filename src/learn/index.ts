/**
 * Public API of src/learn: rollout storage and collection, return/advantage estimators, and the
 * update rules (TRPO, NPG, VPG, PPO) that take a `TransitionBatch` from any source, behind one
 * registry (`createAlgorithm`, algorithms.ts).
 *
 * The learning seam (transitionSource.ts): experience reaches a learner as `TrajectorySegments` from a
 * `TransitionSource`. The simulation source is `VecEnvSource` (vecEnvSource.ts); an actor that
 * collects with collectRollouts itself turns its rollout into segments with a `RolloutRecorder` and
 * `segmentsFromRollout` (segments.ts). The bag source lives in src/replay, the topic source in src/ros.
 *
 * Typical on-policy iteration by hand (the runner, src/train OnPolicyRunner, does the same through a
 * VecEnvSource and owns the loop, timing, logging):
 *   const storage = new RolloutStorage({ numSteps, numEnvs, obsSize, actionSize });
 *   const cursor = await startRollouts(vecEnv, seed);
 *   const algo = createAlgorithm('trpo', policy, value, {}, rng.fork());
 *   const { nSteps, gamma, gaeLambda } = rolloutSettings('trpo');
 *   const res = await collectRollouts(vecEnv, policy, value, storage, rng, nSteps, cursor);
 *   storage.computeReturnsAndAdvantages(res.lastValues, gamma, gaeLambda);
 *   const summary = algo.update(storage.batch());
 *   storage.clear();
 *
 * Replay (importance-weighted) steps: build a TransitionBatch with NORMALISED obs
 * (policy.normalizeObs), advantages, returns and `weights`, and call trpoUpdate: the surrogate is
 * mean(w · π_θ/π_θk · Â) and the trust region is measured against the current policy θk.
 */
export type { TransitionBatch } from './batch.js';
export { validateBatch, gatherBatch } from './batch.js';
export { RolloutStorage } from './storage.js';
export type { RolloutStorageOptions, StepRecord } from './storage.js';
export { collectRollouts, startRollouts, cursorState, restoreCursor } from './rollout.js';
export type {
  RolloutCursor,
  RolloutCursorState,
  RolloutResult,
  EpisodeStats,
  CollectOptions,
} from './rollout.js';
export {
  trajectoryReturn,
  discountedRewardToGo,
  batchMeanBaseline,
  gae,
  normalizeAdvantages,
  explainedVariance,
} from './estimators.js';
export type { GaeInput } from './estimators.js';
export { pseudoLossAndGradient, surrogateObjective, SurrogateScratch } from './surrogate.js';
export { Adam, ADAM_DEFAULTS, clipGradNorm } from './adam.js';
export type { AdamOptions, AdamState } from './adam.js';
export {
  fitValueFunction,
  fitCritic,
  criticExplainedVariance,
  shuffledIndices,
  VALUE_FIT_DEFAULTS,
} from './critic.js';
export type { CriticConfig, ValueFitOptions, ValueFitStats } from './critic.js';
export { createUpdateContext } from './updateContext.js';
export type { UpdateContext } from './updateContext.js';
export {
  FisherOperator,
  fisherVectorProduct,
  fisherSubsample,
  conjugateGradient,
  maxStepLength,
  backtrackingLineSearch,
  dot,
} from './naturalGradient.js';
export type { CgResult, LineSearchResult } from './naturalGradient.js';
export { TRPO_DEFAULTS, NPG_DEFAULTS, trpoPolicyStep, trpoUpdate } from './trpo.js';
export type { TrpoConfig, TrpoStats, TrpoPolicyStepStats } from './trpo.js';
export { PPO_DEFAULTS, ppoUpdate } from './ppo.js';
export type { PpoConfig, PpoStats } from './ppo.js';
export { VPG_DEFAULTS, vpgUpdate, policyGradientTf } from './vpg.js';
export type { VpgConfig, VpgStats } from './vpg.js';
export {
  ALGORITHM_NAMES,
  ALGORITHM_DEFAULTS,
  createAlgorithm,
  isAlgorithmName,
  rolloutSettings,
} from './algorithms.js';
export type { Algorithm, AlgorithmConfigs, AlgorithmName, UpdateSummary } from './algorithms.js';
export type {
  Env,
  EnvState,
  StepInfo,
  StepResult,
  TaskSpec,
  VecEnv,
  VecStepResult,
} from './env.js';
export { SEGMENT_TERMINATED, SEGMENT_TRUNCATED, SEGMENT_CUT } from './transitionSource.js';
export { allocateSegments, RolloutRecorder, segmentsFromRollout } from './segments.js';
export type { AllocatedSegments, RolloutRecord, SegmentVersion } from './segments.js';
export { VecEnvSource, canonicalJson, experienceIdentity } from './vecEnvSource.js';
export type {
  OnPolicyDelivery,
  OnPolicyExtras,
  OnPolicySource,
  VecEnvSourceOptions,
} from './vecEnvSource.js';
export type {
  SegmentEnd,
  TrajectorySegments,
  ExperienceIdentity,
  TransitionSourceKind,
  TransitionDelivery,
  TransitionSource,
  PolicySnapshot,
  OfferOutcome,
  OffPolicyLearnerStats,
  OffPolicyLearner,
} from './transitionSource.js';
export {
  CLIP_REPORT_TOLERANCE,
  checkBounds,
  logImportanceRatios,
  truncatedWeights,
  vtrace,
} from './vtrace.js';
export type { TruncatedWeights, VTraceResult } from './vtrace.js';
export { IMPALA_DEFAULTS, impalaLossAndGradients, impalaUpdate } from './impala.js';
export type { ImpalaConfig, ImpalaLoss, ImpalaStats } from './impala.js';
export {
  VtraceWorkspace,
  buildVtraceBatch,
  identityDifference,
  segmentsProblem,
} from './vtraceBatch.js';
export type { LagCorrection, VtraceBatch, VtraceBatchOptions } from './vtraceBatch.js';
export {
  OFF_POLICY_LEARNER_DEFAULTS,
  applyPolicySnapshot,
  createOffPolicyLearner,
  histogramQuantile,
} from './asyncLearner.js';
export type {
  AsyncLearner,
  OffPolicyAlgorithmName,
  OffPolicyLearnerConfig,
  OffPolicyLearnerOptions,
  OffPolicyLearnerState,
} from './asyncLearner.js';
