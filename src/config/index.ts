/** Public API of src/config. */
export {
  actionToEffort,
  builtinRobotNames,
  loadRobotDescription,
  parseRobotDescription,
  resolveRobotPath,
  robotModelPath,
} from './robotDescription.js';
export type { RobotDescription } from './robotDescription.js';
export {
  BUILTIN_TASKS,
  TASK_KINDS,
  isTaskName,
  loadTaskFile,
  parseTaskParams,
  resolveTaskSelection,
  taskNameOf,
  taskParamsOf,
} from './taskFile.js';
export type { ReachParams, TaskKind, TaskParams, TaskSelection } from './taskFile.js';
export { parseResolvedConfig, resolveTrainConfig } from './trainConfig.js';
export type { Algorithm, TrainConfig } from './trainConfig.js';
export { parseRobotImportOptions, RobotImportOptionsSchema } from './robotImport.js';
export type { RobotImportCliOptions } from './robotImport.js';
export { parseYamlText } from './validate.js';
export type { PlainObject } from './validate.js';
export {
  ARM_PRESET,
  MAX_LATENCY_PERIODS,
  MODEL_TERM_KEYS,
  PerturbationSchema,
  RANDOMIZE_PRESETS,
  RandomizeSpecSchema,
  describeRandomize,
  perturbationToSpec,
  readPerturbationFile,
  resolveRandomize,
} from './randomize.js';
export type {
  ModelTerm,
  ModelTermKey,
  Perturbation,
  RandomizePreset,
  RandomizeSetting,
  RandomizeSpec,
  TermOperation,
} from './randomize.js';
export {
  ControlSpecSchema,
  RATE_RATIO_TOLERANCE,
  controlFromHyperparameters,
  holdSteps,
  shapingOf,
} from './control.js';
export type { ActionShapingSpec, ControlSpec } from './control.js';
