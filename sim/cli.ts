/**
 * The simulation command of the `torquepilot` CLI (src/cli.ts registers it):
 * `torquepilot tasks [--json]` prints each task's name, observation and action sizes, dt, horizon
 * and reward. (`sim-bench` is in bench/simBenchCommand.ts: sim/ holds no bench.)
 */
import type { Command } from 'commander';
import { listTasks } from './env.js';
import { getTask } from './tasks/registry.js';

export function registerSimCommands(program: Command): void {
  program
    .command('tasks')
    .description('List the simulated tasks: observation/action sizes, control period, horizon.')
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
      }));
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const header = ['task', 'obs', 'action', 'dt (s)', 'horizon', 'reward'];
      const table = rows.map((r) => [
        r.name,
        `${r.obsSize}`,
        `${r.actionSize}`,
        `${r.dt}`,
        `${r.horizon}`,
        r.reward,
      ]);
      const widths = header.map((h, i) =>
        Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)),
      );
      const line = (cells: string[]): string =>
        cells
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd();
      process.stdout.write(`${[line(header), ...table.map(line)].join('\n')}\n`);
    });
}
