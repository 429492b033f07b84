/**
 * A task bound to a loaded MjModel: the model, its robot description checked against the MJCF, the
 * TaskSpec, and the index tables (qpos/dof addresses, site and body ids) that environments share.
 * One TaskModel serves any number of environments (each with its own MjData) in one WASM instance.
 */
import { dirname, join, resolve } from 'node:path';
import { loadRobotDescription } from '../src/config/index.js';
import type { ControlSpec, RobotDescription } from '../src/config/index.js';
import { resolveControlTiming } from './controlTiming.js';
import type { ControlTiming } from './controlTiming.js';
import type { MjModel, MujocoModule } from './mujoco.js';
import { idToName, loadModel, modelsDir, nameToId } from './mujoco.js';
import { getTask } from './tasks/registry.js';
import type { TaskDefinition } from './tasks/types.js';
import type { TaskSpec } from './types.js';

export interface TaskModelOptions {
  /** MJCF to load instead of `models/<task>/model.xml` (tests, custom robots). */
  readonly modelPath?: string;
  /** Robot description instead of `models/<task>/robot.yaml`. */
  readonly robotPath?: string;
  /** Policy/controller rates and action shaping (src/config/control.ts); the task's own when absent. */
  readonly control?: ControlSpec;
}

export class TaskModel {
  readonly mj: MujocoModule;
  readonly model: MjModel;
  readonly task: TaskDefinition;
  readonly spec: TaskSpec;
  readonly description: RobotDescription;
  /** qpos address of each observed joint. Shape: (nObserved). */
  readonly observedQposAdr: Int32Array;
  /** dof address of each observed joint. Shape: (nObserved). */
  readonly observedDofAdr: Int32Array;
  /** Site id of the end effector. */
  readonly endEffectorSiteId: number;
  /** Body id of the target, or -1 when the target is task state. */
  readonly targetBodyId: number;
  /** Timestep, frame skip (the zero-order hold) and horizon under `control` (sim/controlTiming.ts). */
  readonly timing: ControlTiming;
  /** The control spec the environments shape their actions by. */
  readonly control: ControlSpec;
  #closed = false;

  private constructor(
    mj: MujocoModule,
    model: MjModel,
    task: TaskDefinition,
    description: RobotDescription,
    modelPath: string,
    control: ControlSpec,
  ) {
    this.mj = mj;
    this.control = control;
    this.model = model;
    this.task = task;
    this.description = description;
    try {
      checkConsistency(mj, model, task, description, modelPath);
      const jointIds = task.observedJoints.map((name) => nameToId(mj, model, 'joint', name));
      const qposadr = model.jnt_qposadr as Int32Array;
      const dofadr = model.jnt_dofadr as Int32Array;
      this.observedQposAdr = Int32Array.from(jointIds, (id) => qposadr[id] ?? -1);
      this.observedDofAdr = Int32Array.from(jointIds, (id) => dofadr[id] ?? -1);
      this.endEffectorSiteId = nameToId(mj, model, 'site', task.endEffectorSite);
      if (this.endEffectorSiteId < 0) {
        throw new Error(
          `sim/TaskModel(${task.name}): site '${task.endEffectorSite}' missing in ${modelPath}`,
        );
      }
      this.targetBodyId =
        task.targetBody === undefined ? -1 : nameToId(mj, model, 'body', task.targetBody);
      if (task.targetBody !== undefined && this.targetBodyId < 0) {
        throw new Error(
          `sim/TaskModel(${task.name}): body '${task.targetBody}' missing in ${modelPath}`,
        );
      }
      const ctrlrange = model.actuator_ctrlrange as Float64Array;
      const nu = model.nu;
      const opt = model.opt;
      this.timing = resolveControlTiming(
        { timestep: opt.timestep, frameSkip: task.frameSkip, horizon: task.horizon },
        control,
        `sim/TaskModel(${task.name})`,
      );
      // The controller period: each physics step is one tick of the controller's hold.
      if (this.timing.timestepChanged) opt.timestep = this.timing.timestep;
      opt.delete();
      this.spec = Object.freeze({
        name: task.name,
        obsSize: task.obsSize,
        actionSize: nu,
        actionLow: Float64Array.from({ length: nu }, (_, i) => ctrlrange[2 * i] ?? NaN),
        actionHigh: Float64Array.from({ length: nu }, (_, i) => ctrlrange[2 * i + 1] ?? NaN),
        dt: this.timing.dt,
        horizon: this.timing.horizon,
        jointNames: Object.freeze([...description.jointNames]),
        hasSuccess: task.hasSuccess,
      });
    } catch (err) {
      model.delete();
      throw err;
    }
  }

  /** Load `models/<task>/model.xml` (or `options.modelPath`) and check it against robot.yaml. */
  static load(mj: MujocoModule, taskName: string, options: TaskModelOptions = {}): TaskModel {
    const task = getTask(taskName);
    const robotPath = options.robotPath ?? join(modelsDir(), taskName, 'robot.yaml');
    const description = loadRobotDescription(robotPath);
    const modelPath = options.modelPath ?? resolve(dirname(robotPath), description.model);
    const model = loadModel(mj, modelPath);
    return new TaskModel(mj, model, task, description, modelPath, options.control ?? {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Free the MjModel. Environments using it must be closed first. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.model.delete();
  }
}

/**
 * Check a robot description against the MJCF and the task: actuators in description order drive
 * the named joints, ctrlrange × gear equals the torque limits, observation facts agree.
 * @throws Error naming the description file, the key and both values.
 */
function checkConsistency(
  mj: MujocoModule,
  model: MjModel,
  task: TaskDefinition,
  d: RobotDescription,
  modelPath: string,
): void {
  const where = `robot description ${d.sourcePath} (vs ${modelPath})`;
  const fail = (key: string, value: unknown, expected: string): never => {
    throw new Error(`${where}: key '${key}' = ${JSON.stringify(value)}: expected ${expected}`);
  };
  if (d.task !== task.name) fail('task', d.task, `'${task.name}'`);
  if (d.jointNames.length !== model.nu) {
    fail('jointNames', d.jointNames, `${model.nu} joints, one per MJCF actuator`);
  }
  const trnid = model.actuator_trnid as Int32Array;
  const ctrlrange = model.actuator_ctrlrange as Float64Array;
  const ctrllimited = model.actuator_ctrllimited as Uint8Array;
  const gear = model.actuator_gear as Float64Array;
  d.jointNames.forEach((name, i) => {
    const jointId = nameToId(mj, model, 'joint', name);
    if (jointId < 0) fail(`jointNames.${i}`, name, `a joint of the MJCF`);
    const driven = idToName(mj, model, 'joint', trnid[2 * i] ?? -1);
    if (driven !== name)
      fail(`jointNames.${i}`, name, `'${driven}' (the joint of MJCF actuator ${i})`);
    const lo = ctrlrange[2 * i] ?? NaN;
    const hi = ctrlrange[2 * i + 1] ?? NaN;
    if (ctrllimited[i] !== 1 || lo !== -hi) {
      fail(
        `jointNames.${i}`,
        name,
        `a symmetric ctrlrange on its MJCF actuator, got [${lo}, ${hi}]`,
      );
    }
    const g = gear[6 * i] ?? NaN;
    const declaredGear = d.actuatorGear?.[i] ?? 1;
    if (declaredGear !== g) fail(`actuatorGear.${i}`, declaredGear, `${g} (MJCF actuator gear)`);
    const limit = d.torqueLimits[i] ?? NaN;
    if (Math.abs(limit - hi * g) > 1e-9 * Math.max(1, Math.abs(limit))) {
      fail(`torqueLimits.${i}`, limit, `${hi * g} (MJCF ctrlrange ${hi} × gear ${g})`);
    }
  });
  if (d.observation.size !== task.obsSize)
    fail('observation.size', d.observation.size, `${task.obsSize}`);
  if (d.observation.stateJoints.join(',') !== task.observedJoints.join(',')) {
    fail('observation.stateJoints', d.observation.stateJoints, JSON.stringify(task.observedJoints));
  }
  for (const [i, name] of d.observation.stateJoints.entries()) {
    if (nameToId(mj, model, 'joint', name) < 0)
      fail(`observation.stateJoints.${i}`, name, 'a joint of the MJCF');
  }
  if (d.observation.target !== task.hasTarget)
    fail('observation.target', d.observation.target, `${task.hasTarget}`);
  if (d.observation.endEffectorSite !== task.endEffectorSite) {
    fail('observation.endEffectorSite', d.observation.endEffectorSite, `'${task.endEffectorSite}'`);
  }
  const opt = model.opt;
  const dt = opt.timestep * task.frameSkip;
  opt.delete();
  if (Math.abs(d.controlRateHz * dt - 1) > 1e-6) {
    fail(
      'controlRateHz',
      d.controlRateHz,
      `${1 / dt} (1 / (timestep × frame skip ${task.frameSkip}))`,
    );
  }
}
