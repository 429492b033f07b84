/** Public API of src/train. */
export {
  addTrainRunOptions,
  cliLayer,
  doneSummary,
  parseIntFlag,
  registerTrainCommands,
} from './commands.js';
export type { TrainRunFlags } from './commands.js';
export { readMetrics } from './metrics.js';
export { createProgress } from './progress.js';
export type { ProgressReporter, ProgressUpdate } from './progress.js';
export {
  checkpointName,
  createRunDir,
  defaultRunDir,
  pruneCheckpoints,
  readRunConfig,
  runPaths,
} from './runDir.js';
export { evaluatePolicy } from './evaluate.js';
export type { EvaluationResult } from './evaluate.js';
export {
  checkCheckpointRobot,
  checkpointTask,
  confirmCheckpointFlags,
  loadResumeCheckpoint,
} from './checkpointTask.js';
export { OnPolicyRunner, deriveStreams, train } from './runner.js';
export type { TrainOptions, TrainResult } from './runner.js';
