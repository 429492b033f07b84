/**
 * The control path, pure (no transport, no clocks, no I/O): deployment interfaces and their
 * validation, joint matching by name, the safety layer, the command output's size and limit
 * accounting, and ControlStep, which runs match → observation → policy → gear → safety.
 */
export { ControlStep } from './controlStep.js';
export type { ControlStepResult } from './controlStep.js';
export { BehaviourPolicy, checkExploreScale, EXPLORE_SCALE_MIN } from './behaviour.js';
export { validateDeployment } from './deployment.js';
export type {
  DeploymentDescription,
  DeploymentLoader,
  DeploymentRequest,
  LoadedDeployment,
  NodePolicy,
  ObservationBuilder,
} from './deployment.js';
export { JointStateMatcher } from './jointMatching.js';
export type { JointStateSample, MatchResult } from './jointMatching.js';
export { SAFETY_DEFAULTS, SafetyLayer } from './safety.js';
export type { SafetyOptions, SafetyState, SafetyVerdict } from './safety.js';
export { CommandOutput } from './commandOutput.js';
export type { CommandPublisher } from './commandOutput.js';
