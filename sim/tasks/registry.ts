/**
 * The task table: a task is a kind plus parameters on a robot (src/config/taskFile.ts resolves the
 * names, files and robot folders); this builds the TaskDefinition of a kind.
 */
import { BUILTIN_TASKS, resolveTaskSelection } from '../../src/config/index.js';
import type { TaskParams, TaskSelection } from '../../src/config/index.js';
import { modelsDir } from '../mujoco.js';
import { invertedPendulum } from './invertedPendulum.js';
import { reacher2dof } from './reacher2dof.js';
import { makeReachTask } from './reach.js';
import type { TaskDefinition } from './types.js';

/** The built-in task names (robot + task), in the order `torquepilot tasks` lists them. */
export const taskNames = Object.freeze([
  'inverted-pendulum',
  'reacher-2dof',
  'arm7-reach',
] as const);
export type TaskName = (typeof taskNames)[number];

/** Whether `name` is a built-in task name. */
export function isTaskName(name: string): name is TaskName {
  return (taskNames as readonly string[]).includes(name) && name in BUILTIN_TASKS;
}

/** A task on its robot: the selection (params, robot description) and its definition. */
export interface ResolvedTask {
  readonly selection: TaskSelection;
  readonly definition: TaskDefinition;
}

/** The definition of a resolved selection. */
export function taskDefinition(selection: TaskSelection): TaskDefinition {
  switch (selection.params.kind) {
    case 'reach':
      return makeReachTask(selection);
    case 'inverted-pendulum':
      return invertedPendulum;
    case 'reacher-2dof':
      return reacher2dof;
  }
}

/**
 * Resolve `task` (a built-in name, a kind, a task file, or parameters) on `robot` (a robot folder,
 * its robot.yaml, or a built-in robot name; optional where the task implies it).
 * @throws Error naming an unknown task or robot and what is known.
 */
export function resolveTask(task: string | TaskParams, robot?: string): ResolvedTask {
  const selection = resolveTaskSelection(task, robot, modelsDir());
  return { selection, definition: taskDefinition(selection) };
}

/** The definition of a task (see `resolveTask`); throws naming the known tasks for an unknown one. */
export function getTask(task: string | TaskParams, robot?: string): TaskDefinition {
  return resolveTask(task, robot).definition;
}
