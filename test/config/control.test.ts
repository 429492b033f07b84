/**
 * The `control:` section: off by default, layered like the rest, and every error names the file,
 * the key and the value — rates that do not divide above all. Checkpoints carry it back to the node.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { controlFromHyperparameters, holdSteps, shapingOf } from '../../src/config/control.js';
import { TRAIN_DEFAULTS, resolveTrainConfig } from '../../src/config/trainConfig.js';

function withConfig(text: string, taskYaml?: string): { models: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tp-control-'));
  const models = join(dir, 'models');
  mkdirSync(join(models, 'toy-task'), { recursive: true });
  if (taskYaml !== undefined) writeFileSync(join(models, 'toy-task', 'train.yaml'), taskYaml);
  const file = join(dir, 'run.yaml');
  writeFileSync(file, text);
  return { models, file };
}

const resolve = (text: string, taskYaml?: string) => {
  const { models, file } = withConfig(text, taskYaml);
  return resolveTrainConfig({ modelsDir: models, configFile: file, cli: {} }).config;
};

describe('control config', () => {
  test('default: empty (the task timing, no shaping)', () => {
    assert.deepEqual(TRAIN_DEFAULTS.control, {});
    assert.deepEqual(resolve('task: toy-task\n').control, {});
  });

  test('layers merge key by key: rates from train.yaml, shaping from --config', () => {
    const c = resolve(
      'task: toy-task\ncontrol:\n  actionFilterHz: 8\n  torqueRateLimit: [100, 50]\n',
      'control:\n  policyRateHz: 100\n  controllerRateHz: 1000\n',
    );
    assert.deepEqual(c.control, {
      policyRateHz: 100,
      controllerRateHz: 1000,
      actionFilterHz: 8,
      torqueRateLimit: [100, 50],
    });
  });

  const errors: Array<{ name: string; yaml: string; task?: string; pattern: RegExp }> = [
    {
      name: 'controller not a whole multiple of the policy',
      yaml: 'task: toy-task\ncontrol:\n  policyRateHz: 60\n  controllerRateHz: 250\n',
      pattern:
        /run\.yaml: key 'control\.controllerRateHz' = 250: expected a whole multiple k × policyRateHz \(60 Hz\)/,
    },
    {
      name: 'controller slower than the policy',
      yaml: 'task: toy-task\ncontrol:\n  policyRateHz: 100\n  controllerRateHz: 50\n',
      pattern: /key 'control\.controllerRateHz' = 50: expected a whole multiple/,
    },
    {
      name: 'rates split over two layers are checked merged',
      yaml: 'task: toy-task\ncontrol:\n  controllerRateHz: 1000\n',
      task: 'control:\n  policyRateHz: 300\n',
      pattern: /\(merged\): key 'control\.controllerRateHz' = 1000: expected a whole multiple/,
    },
    {
      name: 'negative cutoff',
      yaml: 'task: toy-task\ncontrol:\n  actionFilterHz: -3\n',
      pattern: /run\.yaml: key 'control\.actionFilterHz' = -3: .*>0/,
    },
    {
      name: 'zero rate limit of one joint',
      yaml: 'task: toy-task\ncontrol:\n  torqueRateLimit: [10, 0]\n',
      pattern: /run\.yaml: key 'control\.torqueRateLimit\[1\]' = 0: .*>0/,
    },
    {
      name: 'unknown key',
      yaml: 'task: toy-task\ncontrol:\n  filterHz: 3\n',
      pattern:
        /unknown key 'control\.filterHz' = 3; expected one of: policyRateHz, controllerRateHz, actionFilterHz, torqueRateLimit/,
    },
  ];
  for (const c of errors) {
    test(`error: ${c.name}`, () => {
      assert.throws(() => resolve(c.yaml, c.task), c.pattern);
    });
  }

  test('holdSteps: whole multiples only, with a tolerance for divided rates', () => {
    assert.equal(holdSteps(1000, 50), 20);
    assert.equal(holdSteps(250, 50), 5);
    assert.equal(holdSteps(1000 / 3, 1000 / 9), 3);
    assert.equal(holdSteps(250, 60), undefined);
    assert.equal(holdSteps(50, 100), undefined);
  });

  test('from a checkpoint: absent = {}, present = validated, shaping picked out', () => {
    assert.deepEqual(controlFromHyperparameters({ seed: 1 }, 'ckpt'), {});
    const control = controlFromHyperparameters(
      { control: { controllerRateHz: 1000, torqueRateLimit: 20 } },
      'ckpt',
    );
    assert.deepEqual(shapingOf(control), { torqueRateLimit: 20 });
    assert.throws(
      () => controlFromHyperparameters({ control: { actionFilterHz: 'fast' } }, '/runs/a/ckpt'),
      /\/runs\/a\/ckpt \(hyperparameters\.control\): key 'actionFilterHz' = "fast"/,
    );
  });
});
