/**
 * A task bound to a loaded MjModel: the robot folder's model and robot.yaml checked against each
 * other and the task, the TaskSpec, and the index tables (qpos/dof addresses, site and body ids)
 * that environments share. One TaskModel serves any number of environments (each with its own
 * MjData) in one WASM instance.
 */
import type {
  ControlSpec,
  RobotDescription,
  TaskParams,
  TaskSelection,
} from '../src/config/index.js';
import { robotModelPath } from '../src/config/index.js';
import { resolveControlTiming } from './controlTiming.js';
import type { ControlTiming } from './controlTiming.js';
import { modelHash } from './modelHash.js';
import type { MjModel, MujocoModule } from './mujoco.js';
import { idToName, loadModel, nameToId } from './mujoco.js';
import { resolveTask } from './tasks/registry.js';
import type { TaskDefinition } from './tasks/types.js';
import type { TaskSpec } from './types.js';

export interface TaskModelOptions {
  /**
   * The robot: a robot folder, its robot.yaml, or a built-in robot name (`models/robots/<name>/`).
   * Default: the robot the task implies (built-in tasks and the Gymnasium twins' kinds).
   */
  readonly robot?: string;
  /** The robot's robot.yaml (older spelling of `robot`; `robot` wins). */
  readonly robotPath?: string;
  /** Policy/controller rates and action shaping (src/config/control.ts); the task's own when absent. */
  readonly control?: ControlSpec;
  /** MJCF to load instead of the robot's `model` (tests). */
  readonly modelPath?: string;
}

export class TaskModel {
  readonly mj: MujocoModule;
  readonly model: MjModel;
  readonly task: TaskDefinition;
  readonly spec: TaskSpec;
  readonly description: RobotDescription;
  /** The task's kind and parameters, and the robot it runs on. */
  readonly selection: TaskSelection;
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
    selection: TaskSelection,
    modelPath: string,
    control: ControlSpec,
  ) {
    this.mj = mj;
    this.control = control;
    this.model = model;
    this.task = task;
    this.selection = selection;
    const description = selection.robot;
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
        robot: Object.freeze({
          name: description.name,
          modelHash: modelHash(model),
          jointNames: Object.freeze([...description.jointNames]),
          torqueLimits: Object.freeze([...description.torqueLimits]),
          gravity: description.gravity,
        }),
        taskParams: selection.params,
      });
    } catch (err) {
      model.delete();
      throw err;
    }
  }

  /**
   * Load a task on its robot: `task` is a built-in task name, a kind, a task YAML file or task
   * parameters; the robot comes from `options.robot` or the task. Checks robot.yaml against the
   * compiled MJCF (see checkConsistency).
   */
  static load(
    mj: MujocoModule,
    task: string | TaskParams,
    options: TaskModelOptions = {},
  ): TaskModel {
    const { selection, definition } = resolveTask(task, options.robot ?? options.robotPath);
    const modelPath = options.modelPath ?? robotModelPath(selection.robot);
    const model = loadModel(mj, modelPath);
    return new TaskModel(mj, model, definition, selection, modelPath, options.control ?? {});
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
 * the named joints, ctrlrange × gear equals the torque limits, the control rate is 1 / (timestep ×
 * frameSkip), the end-effector site and observed joints exist, and `gravity: robot` has gravcomp.
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
  if (d.frameSkip !== task.frameSkip) {
    fail('frameSkip', d.frameSkip, `${task.frameSkip} (the frame skip of task ${task.name})`);
  }
  if (nameToId(mj, model, 'site', d.endEffectorSite) < 0) {
    fail('endEffectorSite', d.endEffectorSite, 'a site of the MJCF');
  }
  if (d.endEffectorSite !== task.endEffectorSite) {
    fail('endEffectorSite', d.endEffectorSite, `'${task.endEffectorSite}' (task ${task.name})`);
  }
  for (const name of task.observedJoints) {
    if (nameToId(mj, model, 'joint', name) < 0) {
      throw new Error(`${where}: task ${task.name} observes joint '${name}', not in the MJCF`);
    }
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
  checkGravity(mj, model, d, fail);
}

/**
 * `gravity: robot` means the driver compensates gravity, so the simulation must too: gravcomp="1"
 * on every body that moves (bodies welded to the world feel no gravity anyway). `gravity: policy`
 * puts no constraint on the MJCF: the policy holds whatever gravity the model leaves (a model may
 * still compensate a counterweight, or a test its links).
 */
function checkGravity(
  mj: MujocoModule,
  model: MjModel,
  d: RobotDescription,
  fail: (key: string, value: unknown, expected: string) => never,
): void {
  if (d.gravity !== 'robot') return;
  const gravcomp = model.body_gravcomp as Float64Array;
  const weldid = model.body_weldid as Int32Array;
  const without: string[] = [];
  for (let b = 1; b < model.nbody; b++) {
    if (weldid[b] === 0) continue;
    const name = idToName(mj, model, 'body', b) || `#${b}`;
    if (gravcomp[b] !== 1) without.push(`${name} (gravcomp ${gravcomp[b]})`);
  }
  if (without.length > 0) {
    fail(
      'gravity',
      d.gravity,
      `gravcomp="1" on every moving MJCF body; not on: ${without.join(', ')}`,
    );
  }
}
