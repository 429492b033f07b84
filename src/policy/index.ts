/**
 * Public API of src/policy: the Gaussian policy, the value network, the running observation
 * normaliser, the plain-TS real-time forward pass, the diagonal Gaussian (`DiagGaussian`: sample,
 * log-prob, entropy, KL), the tfjs reference implementation, tfjs backend selection and the
 * checkpoint format. The networks are MLPs from src/nn.
 *
 * Conventions:
 * - Every network's parameters are ONE flat Float32Array (`.params`); `exportParameters()` gives
 *   named copies (`mean.layers.<l>.weight` (out, in), `mean.layers.<l>.bias` (out), `logStd` (a);
 *   `value.layers.<l>.*`) plus the normaliser state; `importParameters()` loads them back.
 * - `GaussianPolicy.forward/sample/logProb/meanAction` take NORMALISED observations
 *   (`policy.normalizeObs(raw, out, n)`); `PolicyForward` takes RAW observations.
 * - Arrays are row-major: (n, obsSize), (n, actionSize).
 *
 * Typical use:
 *   const rng = new Random(seed);
 *   const policy = new GaussianPolicy({ obsSize, actionSize }, rng.fork());
 *   const value = new ValueNetwork({ obsSize }, rng.fork());
 *   const fwd = new PolicyForward(policy);          // real-time, batch 1, no allocation
 *   fwd.forward(rawObs, outMean);                   // deterministic action
 *   const logProb = fwd.sample(rawObs, rng, outAction);
 *   policy.projectParameters();                     // after every update step of policy.params
 */
export { GaussianPolicy, PolicyWorkspace, GAUSSIAN_POLICY_DEFAULTS } from './policy.js';
export type { GaussianPolicyOptions, NamedParameter, ExportedParameters } from './policy.js';
export { ValueNetwork, VALUE_NETWORK_DEFAULTS } from './value.js';
export type { ValueNetworkOptions } from './value.js';
export { RunningNormalizer, NORMALIZER_DEFAULTS } from './normalizer.js';
export type { NormalizerState, RunningNormalizerOptions } from './normalizer.js';
export { PolicyForward } from './forward.js';
export {
  DiagGaussian,
  gaussianLogProb,
  gaussianEntropy,
  klDiagonalGaussians,
  HALF_LOG_2PI,
} from './diagGaussian.js';
export type { GaussianOut } from './diagGaussian.js';
export { initBackend, currentBackend } from './backend.js';
export type { BackendName, BackendChoice } from './backend.js';
export {
  mlpForwardTf,
  policyDistributionTf,
  gaussianLogProbTf,
  klDiagonalGaussiansTf,
  pseudoLossTf,
  fisherVectorProductTf,
} from './tfjsReference.js';
export {
  forwardFromCheckpoint,
  loadCheckpoint,
  policyFromCheckpoint,
  saveCheckpoint,
  valueFromCheckpoint,
} from './checkpoint.js';
export type {
  CheckpointContents,
  CheckpointManifest,
  CheckpointRobot,
  CheckpointTask,
  LoadedCheckpoint,
} from './checkpoint.js';
export { readPointer, writePointer } from './checkpointPointers.js';
export { assertSameRobot, robotDifferences } from './robotIdentity.js';
export type { RobotIdentityFields } from './robotIdentity.js';
