/**
 * Training-config validation: every error names the file, the dotted key, the offending value and
 * what was expected; layering is defaults < task train.yaml < --config < command line.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TRAIN_DEFAULTS, resolveTrainConfig } from '../../src/config/trainConfig.js';
import { TRPO_DEFAULTS, PPO_DEFAULTS } from '../../src/learn/index.js';
import { mergeLayers, parseYamlText } from '../../src/config/validate.js';

function fixture(taskYaml?: string): { models: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tp-config-'));
  const models = join(dir, 'models');
  mkdirSync(join(models, 'toy-task'), { recursive: true });
  if (taskYaml !== undefined) writeFileSync(join(models, 'toy-task', 'train.yaml'), taskYaml);
  return { models, dir };
}

function withConfig(text: string, taskYaml?: string): { models: string; file: string } {
  const { models, dir } = fixture(taskYaml);
  const file = join(dir, 'run.yaml');
  writeFileSync(file, text);
  return { models, file };
}

describe('training config errors', () => {
  const cases: Array<{ name: string; yaml: string; pattern: RegExp }> = [
    {
      name: 'unknown top-level key',
      yaml: 'task: toy-task\nlearningRate: 0.1\n',
      pattern: /run\.yaml.*unknown key 'learningRate' = 0\.1.*expected one of: task, algo, seed/,
    },
    {
      name: 'unknown nested key (typo of an algorithm hyperparameter)',
      yaml: 'task: toy-task\ntrpo:\n  target_kl: 0.02\n',
      pattern: /run\.yaml.*unknown key 'trpo\.target_kl' = 0\.02.*expected one of: .*targetKl/,
    },
    {
      name: 'wrong type',
      yaml: 'task: toy-task\ntotalSteps: lots\n',
      pattern: /run\.yaml.*key 'totalSteps' = "lots".*expected number/,
    },
    {
      name: 'out of range (gamma > 1)',
      yaml: 'task: toy-task\ntrpo:\n  gamma: 1.5\n',
      pattern: /run\.yaml.*key 'trpo\.gamma' = 1\.5.*(<=|≤|less than or equal).*1/,
    },
    {
      name: 'non-integer nSteps',
      yaml: 'task: toy-task\nppo:\n  nSteps: 10.5\n',
      pattern: /run\.yaml.*key 'ppo\.nSteps' = 10\.5.*int/,
    },
    {
      name: 'bad enum',
      yaml: 'task: toy-task\nalgo: sac\n',
      pattern: /run\.yaml.*key 'algo' = "sac".*"trpo"\|"npg"\|"vpg"\|"ppo"/,
    },
    {
      name: 'array element of the wrong sign',
      yaml: 'task: toy-task\npolicy:\n  hiddenSizes: [64, -3]\n',
      pattern: /run\.yaml.*key 'policy\.hiddenSizes\[1\]' = -3/,
    },
    {
      name: 'bad YAML',
      yaml: 'task: toy-task\nenv:\n  numEnvs: [1, 2\n',
      pattern: /run\.yaml: invalid YAML at line \d+, column \d+/,
    },
    {
      name: 'duplicate key',
      yaml: 'task: toy-task\nseed: 1\nseed: 2\n',
      pattern: /run\.yaml: invalid YAML.*line 3/,
    },
    {
      name: 'cross-field: workers > numEnvs',
      yaml: 'task: toy-task\nenv:\n  numEnvs: 2\n  workers: 4\n',
      pattern: /key 'env\.workers' = 4 exceeds 'env\.numEnvs' = 2/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { models, file } = withConfig(c.yaml);
      assert.throws(
        () => resolveTrainConfig({ modelsDir: models, configFile: file, cli: {} }),
        c.pattern,
      );
    });
  }

  test('an error in the task train.yaml names that file', () => {
    const { models, file } = withConfig('task: toy-task\n', 'env:\n  numEnvs: 0\n');
    assert.throws(
      () => resolveTrainConfig({ modelsDir: models, configFile: file, cli: {} }),
      /toy-task[/\\]train\.yaml.*key 'env\.numEnvs' = 0/,
    );
  });

  test('a command-line error names the command line', () => {
    const { models } = fixture();
    assert.throws(
      () => resolveTrainConfig({ modelsDir: models, cli: { task: 'toy-task', algo: 'dqn' } }),
      /command line.*key 'algo' = "dqn"/,
    );
  });

  test('unknown task and missing task', () => {
    const { models } = fixture();
    assert.throws(
      () => resolveTrainConfig({ modelsDir: models, cli: { task: 'nope' } }),
      /unknown task 'nope'/,
    );
    assert.throws(
      () => resolveTrainConfig({ modelsDir: models, cli: {} }),
      /no task given: pass --task/,
    );
  });

  test('a missing config file is named', () => {
    const { models } = fixture();
    assert.throws(
      () =>
        resolveTrainConfig({
          modelsDir: models,
          configFile: '/nonexistent/run.yaml',
          cli: { task: 'toy-task' },
        }),
      /\/nonexistent\/run\.yaml: cannot read config file/,
    );
  });
});

describe('training config layering', () => {
  test('defaults < task train.yaml < --config < command line', () => {
    const { models, file } = withConfig(
      'task: toy-task\nseed: 3\ntrpo:\n  targetKl: 0.02\nenv:\n  workers: 1\n',
      'seed: 1\ntotalSteps: 5000\ntrpo:\n  nSteps: 128\n  targetKl: 0.05\nenv:\n  numEnvs: 4\n',
    );
    const { config, sources } = resolveTrainConfig({
      modelsDir: models,
      configFile: file,
      cli: { seed: 9, env: { numEnvs: 2 } },
    });
    assert.equal(config.seed, 9); // CLI beats both files
    assert.equal(config.totalSteps, 5000); // task file beats defaults
    assert.equal(config.trpo.nSteps, 128); // task file
    assert.equal(config.trpo.targetKl, 0.02); // --config beats the task file
    assert.equal(config.env.numEnvs, 2); // CLI, merged with workers from --config
    assert.equal(config.env.workers, 1);
    assert.equal(config.trpo.damping, TRPO_DEFAULTS.damping); // learning-core default
    assert.equal(config.ppo.clipRange, PPO_DEFAULTS.clipRange);
    assert.equal(config.eval.episodes, TRAIN_DEFAULTS.eval.episodes);
    assert.equal(sources.length, 2);
  });

  test('nullable hyperparameters (ppo.targetKl) accept null and positive numbers only', () => {
    const { models } = fixture();
    const ok = resolveTrainConfig({
      modelsDir: models,
      cli: { task: 'toy-task', ppo: { targetKl: null } },
    });
    assert.equal(ok.config.ppo.targetKl, null);
    assert.throws(
      () =>
        resolveTrainConfig({ modelsDir: models, cli: { task: 'toy-task', ppo: { targetKl: -1 } } }),
      /key 'ppo\.targetKl' = -1/,
    );
  });

  test('mergeLayers replaces arrays and merges objects without mutating inputs', () => {
    const a = { policy: { hiddenSizes: [64, 64], activation: 'tanh' } };
    const b = { policy: { hiddenSizes: [32] } };
    const m = mergeLayers(a, b);
    assert.deepEqual(m, { policy: { hiddenSizes: [32], activation: 'tanh' } });
    assert.deepEqual(a.policy.hiddenSizes, [64, 64]);
  });

  test('empty YAML is an empty layer', () => {
    assert.deepEqual(parseYamlText('# nothing\n', 'x.yaml'), {});
  });
});
