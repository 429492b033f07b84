/** The task table: name → definition. */
import { arm7Reach } from './arm7Reach.js';
import { invertedPendulum } from './invertedPendulum.js';
import { reacher2dof } from './reacher2dof.js';
import type { TaskDefinition } from './types.js';

/** Every task name, in the order `torquepilot tasks` lists them. */
export const taskNames = Object.freeze([
  'inverted-pendulum',
  'reacher-2dof',
  'arm7-reach',
] as const);
export type TaskName = (typeof taskNames)[number];

const tasks: Readonly<Record<TaskName, TaskDefinition>> = Object.freeze({
  'inverted-pendulum': invertedPendulum,
  'reacher-2dof': reacher2dof,
  'arm7-reach': arm7Reach,
});

export function isTaskName(name: string): name is TaskName {
  return (taskNames as readonly string[]).includes(name);
}

/** The definition of a task; throws naming the known tasks for an unknown name. */
export function getTask(name: string): TaskDefinition {
  if (!isTaskName(name)) {
    throw new Error(
      `sim/tasks.getTask: unknown task '${name}'; known tasks: ${taskNames.join(', ')}`,
    );
  }
  return tasks[name];
}
