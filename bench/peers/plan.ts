/**
 * What the peer bench runs: its training configurations, the task table, and the command line of
 * one training run on either side (bench/peers/sb3_train.py or bench/peers/ours.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PeersOptions } from './options.js';
import type { TaskInfo } from './report.js';
import type { ConfigSpec, TaskKey } from './types.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Every configuration the full bench trains. Ids are stable: results.json and targets use them. */
export const CONFIGS: readonly ConfigSpec[] = Object.freeze([
  {
    id: 'ours-trpo',
    label: 'torquepilot TRPO',
    side: 'ours',
    algo: 'trpo',
    tasks: ['pendulum', 'reacher'],
    threads: 'config',
    nEnvs: 0,
    nSteps: 0,
  },
  {
    id: 'ours-ppo',
    label: 'torquepilot PPO',
    side: 'ours',
    algo: 'ppo',
    tasks: ['pendulum', 'reacher'],
    threads: 'config',
    nEnvs: 0,
    nSteps: 0,
  },
  {
    id: 'sb3-trpo-1t',
    label: 'SB3 TRPO (1 thread)',
    side: 'sb3',
    algo: 'trpo',
    tasks: ['pendulum', 'reacher'],
    threads: '1',
    nEnvs: 1,
    nSteps: 0,
  },
  {
    id: 'sb3-ppo-1t',
    label: 'SB3 PPO (1 thread)',
    side: 'sb3',
    algo: 'ppo',
    tasks: ['pendulum', 'reacher'],
    threads: '1',
    nEnvs: 1,
    nSteps: 0,
  },
  {
    id: 'sb3-trpo-dt',
    label: 'SB3 TRPO (default threads)',
    side: 'sb3',
    algo: 'trpo',
    tasks: ['pendulum', 'reacher'],
    threads: 'default',
    nEnvs: 1,
    nSteps: 0,
  },
  {
    id: 'sb3-ppo-dt',
    label: 'SB3 PPO (default threads)',
    side: 'sb3',
    algo: 'ppo',
    tasks: ['pendulum'],
    threads: 'default',
    nEnvs: 1,
    nSteps: 0,
  },
  {
    id: 'sb3-ppo8-1t',
    label: 'SB3 PPO x8 envs (n_steps 256, 1 thread)',
    side: 'sb3',
    algo: 'ppo',
    tasks: ['pendulum'],
    threads: '1',
    nEnvs: 8,
    nSteps: 256,
  },
]);

export function taskInfo(o: PeersOptions): Record<TaskKey, TaskInfo> {
  return {
    pendulum: {
      gym: 'InvertedPendulum-v5',
      ours: 'inverted-pendulum',
      budgets: o.pendulumBudgets,
      threshold: 1000,
    },
    reacher: {
      gym: 'Reacher-v5',
      ours: 'reacher-2dof',
      budgets: o.reacherBudgets,
      threshold: null,
    },
  };
}

export interface Job {
  readonly config: ConfigSpec;
  readonly task: TaskKey;
  readonly seed: number;
}

export function trainCommand(o: PeersOptions, python: string, job: Job): [string, string[]] {
  const info = taskInfo(o)[job.task];
  const steps = Math.max(...info.budgets);
  const common = [
    '--seed',
    String(job.seed),
    '--steps',
    String(steps),
    '--eval-every',
    String(o.evalEvery),
    '--eval-episodes',
    String(job.task === 'reacher' ? o.budgetEpisodes : o.evalEpisodes),
    '--budget-steps',
    info.budgets.join(','),
    '--budget-episodes',
    String(o.budgetEpisodes),
  ];
  const c = job.config;
  if (c.side === 'sb3') {
    const args = [
      join(HERE, 'sb3_train.py'),
      '--algo',
      c.algo,
      '--env',
      info.gym,
      '--threads',
      c.threads,
      '--n-envs',
      String(c.nEnvs),
      ...common,
    ];
    if (c.nSteps > 0) args.push('--n-steps', String(c.nSteps));
    return [python, args];
  }
  const args = [
    '--import',
    'tsx',
    join(HERE, 'ours.ts'),
    'train',
    '--algo',
    c.algo,
    '--task',
    info.ours,
    ...common,
  ];
  // 'config': the environment workers `torquepilot train` would use for this task.
  if (c.threads !== 'config') args.push('--workers', c.threads);
  args.push('--via', o.oursVia);
  return [process.execPath, args];
}
