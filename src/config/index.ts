/** Public API of src/config. */
export { loadRobotDescription } from './robotDescription.js';
export type { RobotDescription } from './robotDescription.js';
export { parseResolvedConfig, resolveTrainConfig } from './trainConfig.js';
export type { Algorithm, TrainConfig } from './trainConfig.js';
export { parseYamlText } from './validate.js';
export type { PlainObject } from './validate.js';
