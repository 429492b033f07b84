/**
 * Tasks are kinds plus parameters. `--task <kind|file>` is a kind name alone (its defaults), a task
 * YAML file, or one of the built-in task names, which fix their robot too:
 *
 * ```yaml
 * kind: reach                 # reach | inverted-pendulum | reacher-2dof
 * horizon: 150                # steps
 * successRadius: 0.03         # m
 * resetNoise: 0.1             # rad, uniform around robot.home
 * workspace: { low: [...], high: [...] }   # optional; default robot.workspace
 * reward: { distance: 1, torque: 0.01, velocity: 0.001 }
 * ```
 *
 * inverted-pendulum and reacher-2dof are the Gymnasium twins: kinds without parameters, tied to the
 * built-in robot of the same name. `arm7-reach` = robot arm7 + the reach defaults.
 * `resolveTaskSelection` turns a (task, robot) pair into the parameters, the robot description and
 * a task name; the sim layer builds the task from them (sim/tasks/).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  builtinRobotNames,
  describeIssues,
  loadRobotDescription,
  resolveRobotPath,
  workspaceSchema,
} from './robotDescription.js';
import type { RobotDescription } from './robotDescription.js';

export const TASK_KINDS = ['reach', 'inverted-pendulum', 'reacher-2dof'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

const nonNegative = z.number().nonnegative().finite();

export const reachParamsSchema = z.strictObject({
  kind: z.literal('reach'),
  /** Steps per episode before truncation. */
  horizon: z.number().int().positive().default(150),
  /** Success when ‖ee − target‖ < this, m. */
  successRadius: z.number().positive().finite().default(0.03),
  /** Joint reset noise half-width around robot.home (rad, or m for prismatic joints). */
  resetNoise: nonNegative.default(0.1),
  /** Target box in the base frame, m; default: the robot's `workspace`. */
  workspace: workspaceSchema.optional(),
  /** −w_d ‖ee − target‖ − w_τ Σ (τ/τmax)² − w_v ‖q̇‖². */
  reward: z
    .strictObject({
      distance: nonNegative.default(1),
      torque: nonNegative.default(0.01),
      velocity: nonNegative.default(0.001),
    })
    .prefault({}),
});

export const taskParamsSchema = z.discriminatedUnion('kind', [
  reachParamsSchema,
  z.strictObject({ kind: z.literal('inverted-pendulum') }),
  z.strictObject({ kind: z.literal('reacher-2dof') }),
]);
export type TaskParams = z.infer<typeof taskParamsSchema>;
export type ReachParams = z.infer<typeof reachParamsSchema>;

/** The built-in tasks: names that fix both the robot and the task (old configs, bags, checkpoints). */
export const BUILTIN_TASKS: Readonly<Record<string, { robot: string; kind: TaskKind }>> =
  Object.freeze({
    'inverted-pendulum': { robot: 'inverted-pendulum', kind: 'inverted-pendulum' },
    'reacher-2dof': { robot: 'reacher-2dof', kind: 'reacher-2dof' },
    'arm7-reach': { robot: 'arm7', kind: 'reach' },
  });

/** Kinds tied to one built-in robot (the Gymnasium twins). */
const KIND_ROBOT: Readonly<Partial<Record<TaskKind, string>>> = Object.freeze({
  'inverted-pendulum': 'inverted-pendulum',
  'reacher-2dof': 'reacher-2dof',
});

/**
 * Validate task parameters. `source` names the file in errors.
 * @throws Error: `task <source>: key '<path>' = <value>: <reason>` per problem.
 */
export function parseTaskParams(raw: unknown, source: string): TaskParams {
  const result = taskParamsSchema.safeParse(raw);
  if (!result.success) {
    const lines = describeIssues(raw, result.error.issues);
    throw new Error(
      `task ${source}: invalid (kinds: ${TASK_KINDS.join(', ')}):\n  ${lines.join('\n  ')}`,
    );
  }
  return result.data;
}

/** Read and validate a task YAML file. */
export function loadTaskFile(path: string): TaskParams {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `task ${path}: ${code !== undefined ? `cannot read file: ${code}` : `invalid YAML: ${(err as Error).message}`}`,
    );
  }
  return parseTaskParams(raw, path);
}

/** A task resolved against its robot: what the sim layer builds an environment from. */
export interface TaskSelection {
  /**
   * Task name for logs, run directories and bags: a built-in name (arm7-reach), the kind of a
   * Gymnasium twin, or `<robot>-<kind>` (so robot arm7 + kind reach is arm7-reach).
   */
  readonly name: string;
  readonly params: TaskParams;
  /** Absolute path of the robot.yaml. */
  readonly robotPath: string;
  readonly robot: RobotDescription;
}

/** Whether `task` names a task without a file: a built-in task or a kind. */
export function isTaskName(task: string): boolean {
  return task in BUILTIN_TASKS || (TASK_KINDS as readonly string[]).includes(task);
}

function unknownTask(task: string): Error {
  return new Error(
    `unknown task '${task}'; known tasks: ${Object.keys(BUILTIN_TASKS).join(', ')}; task kinds: ${TASK_KINDS.join(', ')}; or a task YAML file`,
  );
}

/**
 * The parameters `--task` means, and the robot it implies (built-in tasks and the twins' kinds),
 * without reading any robot.
 */
export function taskParamsOf(task: string): { params: TaskParams; robot?: string } {
  const builtin = BUILTIN_TASKS[task];
  if (builtin !== undefined) {
    return { params: parseTaskParams({ kind: builtin.kind }, task), robot: builtin.robot };
  }
  if ((TASK_KINDS as readonly string[]).includes(task)) {
    const robot = KIND_ROBOT[task as TaskKind];
    return { params: parseTaskParams({ kind: task }, task), ...(robot ? { robot } : {}) };
  }
  if (existsSync(task) && statSync(task).isFile()) {
    const params = loadTaskFile(task);
    const robot = KIND_ROBOT[params.kind];
    return { params, ...(robot ? { robot } : {}) };
  }
  throw unknownTask(task);
}

/** The task name of a kind on a robot (see TaskSelection.name). */
export function taskNameOf(kind: TaskKind, robotName: string): string {
  return KIND_ROBOT[kind] !== undefined ? kind : `${robotName}-${kind}`;
}

/**
 * Resolve `--task <kind|file|name>` and `--robot <dir|name>` (optional for built-in tasks and the
 * Gymnasium twins). `params` instead of `task` gives parameters directly (from a checkpoint).
 * @throws Error naming the unknown value and what is known, or a reach task without a workspace.
 */
export function resolveTaskSelection(
  task: string | TaskParams,
  robot: string | undefined,
  modelsDir: string,
): TaskSelection {
  const { params, robot: implied } =
    typeof task === 'string' ? taskParamsOf(task) : { params: task, robot: KIND_ROBOT[task.kind] };
  const label = typeof task === 'string' ? task : task.kind;
  const robotRef = robot ?? implied;
  if (robotRef === undefined) {
    throw new Error(
      `task '${label}' (kind ${params.kind}) needs a robot: pass --robot <dir|name> (built-in robots: ${builtinRobotNames(modelsDir).join(', ')})`,
    );
  }
  const robotPath = resolveRobotPath(robotRef, modelsDir);
  const description = loadRobotDescription(robotPath);
  if (params.kind === 'reach' && params.workspace === undefined) {
    if (description.workspace === undefined) {
      throw new Error(
        `task '${label}' (kind reach) on robot ${robotPath}: no workspace: set 'workspace' in the task file or in robot.yaml`,
      );
    }
  }
  const name =
    typeof task === 'string' && BUILTIN_TASKS[task]?.robot === description.name
      ? task
      : taskNameOf(params.kind, description.name);
  return { name, params, robotPath: resolve(robotPath), robot: description };
}
