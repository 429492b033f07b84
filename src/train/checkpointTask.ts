/**
 * The task and robot a checkpoint was trained on, as arguments for sim's makeEnv/makeVecEnv, and
 * the check that the robot an environment runs is that robot. Checkpoints from before robot folders
 * carry only a built-in task name (arm7-reach, ...), which still resolves.
 */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parseTaskParams } from '../config/index.js';
import type { TaskParams } from '../config/index.js';
import type { CheckpointManifest, LoadedCheckpoint } from '../policy/index.js';
import { assertSameRobot, loadCheckpoint } from '../policy/index.js';
import { taskSpec } from '../../sim/index.js';
import type { TaskSpec } from '../../sim/index.js';

/**
 * `task` and `robot` to build the checkpoint's environment: its task parameters (or, for an old
 * checkpoint, its built-in task name) on `robotFlag` (a robot folder or name), else on the robot
 * folder it was trained on (the run config's absolute `robot` path) while that folder exists, else
 * on the built-in robot of the checkpoint's robot name. A folder changed since is refused later by
 * checkCheckpointRobot (model hash, joints, limits).
 */
export function checkpointTask(
  manifest: CheckpointManifest,
  robotFlag?: string,
): { task: string | TaskParams; robot?: string } {
  const trainedOn = manifest.hyperparameters['robot'];
  const folder =
    typeof trainedOn === 'string' && isAbsolute(trainedOn) && existsSync(trainedOn)
      ? trainedOn
      : undefined;
  const robot = robotFlag ?? folder ?? manifest.robot?.name;
  const task =
    manifest.taskParams !== undefined
      ? parseTaskParams(manifest.taskParams, `checkpoint ${manifest.id} taskParams`)
      : manifest.task;
  return { task, ...(robot !== undefined ? { robot } : {}) };
}

/**
 * Refuse an environment whose robot is not the checkpoint's (joint names, limits, gravity, model
 * hash), naming each difference. Old checkpoints without a robot record pass (their joint names
 * and sizes are checked by loadCheckpoint's expectations).
 */
export function checkCheckpointRobot(
  manifest: CheckpointManifest,
  spec: TaskSpec,
  context: string,
): void {
  if (manifest.robot === undefined || spec.robot === undefined) return;
  assertSameRobot(manifest.robot, spec.robot, `robot '${spec.robot.name}'`, context);
}

/**
 * `--task` and `--robot` on a command that runs a checkpoint (eval, deploy, node, replay): the
 * checkpoint fixes both, so the flags may only name its own. Checked before any work: a different
 * task name is refused by loadCheckpoint (naming both), a different robot by its model hash,
 * joints, limits or gravity (checkCheckpointRobot).
 */
export async function confirmCheckpointFlags(
  checkpointPath: string,
  flags: { readonly task?: string | undefined; readonly robot?: string | undefined },
  command: string,
): Promise<void> {
  const m = loadCheckpoint(
    checkpointPath,
    flags.task !== undefined ? { task: flags.task } : {},
  ).manifest;
  if (flags.robot === undefined) return;
  const { task, robot } = checkpointTask(m, flags.robot);
  const spec = await taskSpec(task, robot !== undefined ? { robot } : {});
  checkCheckpointRobot(m, spec, `${command} --robot ${flags.robot}`);
}

/**
 * The latest checkpoint of a run's `checkpoints/` folder, for resuming on `spec`: refused when its
 * task, sizes or joints (loadCheckpoint's expectations) or its robot (checkCheckpointRobot) are not
 * the environment's; the robot folder may have changed since the run started.
 * @param context the command, for the error (e.g. "train --resume").
 */
export function loadResumeCheckpoint(
  checkpointsDir: string,
  spec: TaskSpec,
  context: string,
): LoadedCheckpoint {
  const ckpt = loadCheckpoint(
    checkpointsDir,
    {
      task: spec.name,
      obsSize: spec.obsSize,
      actionSize: spec.actionSize,
      jointNames: spec.jointNames,
    },
    'latest',
  );
  checkCheckpointRobot(ckpt.manifest, spec, `${context}: ${ckpt.dir}`);
  return ckpt;
}
