/**
 * The public face of the simulation layer: tasks, single environments, vectorised environments
 * (in-process or over worker threads), and the pure observation builders the ROS node shares.
 *
 * ```ts
 * import { makeEnv, makeVecEnv, listTasks } from '../sim/index.js';
 * const env = await makeEnv('inverted-pendulum');
 * let obs = env.reset(0);
 * const { obs: next, reward, terminated, truncated, info } = env.step([0.5]);
 * env.close();
 *
 * const vec = await makeVecEnv('arm7-reach', { numEnvs: 16, workers: 2 });
 * const first = await vec.reset(42); // shape (16, obsSize), row-major
 * await vec.close();
 * ```
 */
export type {
  Env,
  EnvState,
  StepInfo,
  StepResult,
  RobotIdentity,
  TaskSpec,
  VecEnv,
  VecStepResult,
} from './types.js';
export { taskNames, getTask, isTaskName, resolveTask, taskDefinition } from './tasks/registry.js';
export type { ResolvedTask, TaskName } from './tasks/registry.js';
export type { TaskDefinition, ObservationInput, RewardInput } from './tasks/types.js';
export { observeInvertedPendulum } from './tasks/invertedPendulum.js';
export { observeReacher } from './tasks/reacher2dof.js';
export { observeArm7Reach, observeReach } from './tasks/reach.js';
export { modelHash } from './modelHash.js';
export { buildObservation } from './observation.js';
export { MujocoEnv, makeEnv, listTasks, taskSpec } from './env.js';
export type { MakeEnvOptions } from './env.js';
export { makeVecEnv, envSeed } from './vecEnv.js';
export type { MakeVecEnvOptions } from './vecEnv.js';
export { loadMujoco, loadModel, modelsDir, taskModelPath } from './mujoco.js';
export type { MujocoModule, MjModel, MjData } from './mujoco.js';
export { Kinematics } from './kinematics.js';
export { BodyFrames, POSE_STRIDE } from './bodyFrames.js';
export { TaskModel } from './taskModel.js';
export { MODEL_TERMS, Randomizer } from './randomization.js';
export { addSphere } from './payload.js';
export { ActionShaper, lowPassAlpha } from './actionShaping.js';
export type { ActionShaperOptions } from './actionShaping.js';
export { resolveControlTiming } from './controlTiming.js';
export type { ControlTiming, NominalTiming } from './controlTiming.js';
export type { BodyInertia } from './payload.js';
export type { TaskModelOptions } from './taskModel.js';
export { wasmHeapBytes } from './mujoco.js';
export { mujocoErrorMessage } from './mujocoError.js';
export { registerSimCommands } from './cli.js';
