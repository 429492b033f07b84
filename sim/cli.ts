/**
 * The simulation command of the `torquepilot` CLI (src/cli.ts registers it):
 * `torquepilot tasks [--json]` prints each built-in task's name, observation and action sizes, dt,
 * horizon and reward, then the task kinds and the built-in robots (`--robot <name>`).
 * (`sim-bench` is in bench/simBenchCommand.ts: sim/ holds no bench.)
 */
import type { Command } from 'commander';
import {
  builtinRobotNames,
  loadRobotDescription,
  resolveRobotPath,
  TASK_KINDS,
} from '../src/config/index.js';
import { listTasks } from './env.js';
import { modelsDir } from './mujoco.js';
import { getTask } from './tasks/registry.js';

/** What each kind is, for the listing. */
const KIND_SUMMARY: Readonly<Record<(typeof TASK_KINDS)[number], string>> = Object.freeze({
  reach:
    'any n-joint arm (--robot): end effector to a target in a workspace box; obs 2n + 6; task file keys horizon, successRadius, resetNoise, workspace, reward',
  'inverted-pendulum': 'Gymnasium InvertedPendulum-v5 on robot inverted-pendulum; no parameters',
  'reacher-2dof': 'Gymnasium Reacher-v5 on robot reacher-2dof; no parameters',
});

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function registerSimCommands(program: Command): void {
  program
    .command('tasks')
    .description(
      'List the built-in tasks (observation/action sizes, control period, horizon), the task kinds and the built-in robots.',
    )
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }) => {
      const specs = await listTasks();
      const rows = specs.map((s) => ({
        name: s.name,
        obsSize: s.obsSize,
        actionSize: s.actionSize,
        dt: s.dt,
        horizon: s.horizon,
        hasSuccess: s.hasSuccess,
        jointNames: s.jointNames,
        actionLow: Array.from(s.actionLow),
        actionHigh: Array.from(s.actionHigh),
        reward: getTask(s.name).rewardFormula,
        robot: s.robot?.name,
        kind: s.taskParams?.kind,
      }));
      const models = modelsDir();
      const robots = builtinRobotNames(models).map((name) => {
        const d = loadRobotDescription(resolveRobotPath(name, models));
        return {
          name,
          joints: d.jointNames.length,
          controlRateHz: d.controlRateHz,
          gravity: d.gravity,
          workspace: d.workspace !== undefined,
        };
      });
      const kinds = TASK_KINDS.map((kind) => ({ kind, summary: KIND_SUMMARY[kind] }));
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ tasks: rows, kinds, robots }, null, 2)}\n`);
        return;
      }
      const out = [
        table(
          ['task', 'robot', 'obs', 'action', 'dt (s)', 'horizon', 'reward'],
          rows.map((r) => [
            r.name,
            r.robot ?? '',
            `${r.obsSize}`,
            `${r.actionSize}`,
            `${r.dt}`,
            `${r.horizon}`,
            r.reward,
          ]),
        ),
        '',
        table(
          ['kind (--task)', 'what'],
          kinds.map((k) => [k.kind, k.summary]),
        ),
        '',
        table(
          ['robot (--robot)', 'joints', 'rate (Hz)', 'gravity', 'reach workspace'],
          robots.map((r) => [
            r.name,
            `${r.joints}`,
            `${r.controlRateHz}`,
            r.gravity,
            r.workspace ? 'yes' : '-',
          ]),
        ),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
