/**
 * The `randomize:` section and perturbation files (src/config/randomize.ts): presets resolve,
 * every built-in task trains without randomisation by default, bad values are refused with the
 * file, the dotted key and the value, and a perturbation is its terms with min = max.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { modelsDir } from '../../sim/index.js';
import {
  describeRandomize,
  ARM_PRESET,
  readPerturbationFile,
  resolveRandomize,
  resolveTrainConfig,
} from '../../src/config/index.js';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tp-rand-')), name);
  writeFileSync(path, text);
  return path;
}

describe('randomize in train.yaml', () => {
  for (const task of ['inverted-pendulum', 'reacher-2dof', 'arm7-reach']) {
    test(`${task}: off by default`, () => {
      const { config } = resolveTrainConfig({ modelsDir: modelsDir(), cli: { task } });
      assert.equal(config.randomize, 'off');
      assert.equal(resolveRandomize(config.randomize), undefined);
    });
  }

  test("'arm' names the preset; an object of terms is taken as written, with defaults", () => {
    const cfg = file('run.yaml', 'task: arm7-reach\nrandomize: arm\n');
    const { config } = resolveTrainConfig({ modelsDir: modelsDir(), configFile: cfg, cli: {} });
    assert.equal(resolveRandomize(config.randomize), ARM_PRESET);
    const own = file(
      'own.yaml',
      'task: arm7-reach\nrandomize:\n  mass: { range: [0.9, 1.1] }\n  noise: { qpos: 0.01 }\n',
    );
    const spec = resolveRandomize(
      resolveTrainConfig({ modelsDir: modelsDir(), configFile: own, cli: {} }).config.randomize,
    );
    assert.deepEqual(spec, {
      mass: { range: [0.9, 1.1], operation: 'scale' },
      noise: { qpos: 0.01, qvel: 0 },
    });
  });

  const bad: Array<{ yaml: string; pattern: RegExp }> = [
    {
      yaml: 'randomize: armm',
      pattern: /run\.yaml.*key 'randomize' = "armm": expected a preset \('off' \| 'arm'\)/,
    },
    {
      yaml: 'randomize: { mass: { range: [1.3, 0.7] } }',
      pattern:
        /run\.yaml.*key 'randomize\.mass\.range' = \[1\.3,0\.7\]: expected \[min, max\] with min ≤ max/,
    },
    {
      yaml: 'randomize: { mass: { range: [0, 1.3] } }',
      pattern: /key 'randomize\.mass\.range' = \[0,1\.3\]: a mass \(or its scale\) must be > 0/,
    },
    {
      yaml: 'randomize: { damping: { range: [-0.5, 1], operation: scale } }',
      pattern:
        /key 'randomize\.damping\.range' = \[-0\.5,1\]: a scale or an absolute value must be ≥ 0/,
    },
    {
      yaml: 'randomize: { damping: { range: [0.5, 1], operation: mul } }',
      pattern: /key 'randomize\.damping\.operation' = "mul"/,
    },
    {
      yaml: 'randomize: { latency: { periods: [0, 1.5] } }',
      pattern: /key 'randomize\.latency\.periods\[1\]' = 1\.5: expected int/,
    },
    {
      yaml: 'randomize: { noise: { qpos: -0.1 } }',
      pattern: /key 'randomize\.noise\.qpos' = -0\.1/,
    },
    {
      yaml: 'randomize: { masses: { range: [0.8, 1.2] } }',
      pattern:
        /key 'randomize\.masses' = \{"range":\[0\.8,1\.2\]\}: unknown term; expected one of: mass, damping/,
    },
  ];
  for (const c of bad) {
    test(`refused: ${c.yaml}`, () => {
      const cfg = file('run.yaml', `task: arm7-reach\n${c.yaml}\n`);
      assert.throws(
        () => resolveTrainConfig({ modelsDir: modelsDir(), configFile: cfg, cli: {} }),
        c.pattern,
      );
    });
  }
});

describe('perturbation files', () => {
  test('fixed values become ranges with min = max', () => {
    const path = file(
      'arm.yaml',
      [
        'description: heavier links, 2 periods late, noisy encoders',
        'mass: 1.25',
        'frictionloss: { value: 0.2, operation: add }',
        'payload: { mass: 0.3 }',
        'noise: { qpos: 0.002, qvel: 0.02 }',
        'latency: 2',
        'jitter: 1',
      ].join('\n'),
    );
    assert.deepEqual(readPerturbationFile(path), {
      mass: { range: [1.25, 1.25], operation: 'scale' },
      frictionloss: { range: [0.2, 0.2], operation: 'add' },
      payload: { mass: [0.3, 0.3], radius: 0.03 },
      noise: { qpos: 0.002, qvel: 0.02 },
      latency: { periods: [2, 2] },
      jitter: { substeps: 1 },
    });
  });

  const bad: Array<{ yaml: string; pattern: RegExp }> = [
    { yaml: 'mass: 0', pattern: /arm\.yaml: key 'mass' = 0: a mass \(or its scale\) must be > 0/ },
    {
      yaml: 'damping: { value: -2, operation: abs }',
      pattern: /arm\.yaml: key 'damping\.value' = -2: a scale or an absolute value must be ≥ 0/,
    },
    { yaml: 'latency: 1.5', pattern: /arm\.yaml: key 'latency' = 1\.5: expected int/ },
    { yaml: 'latency: 40', pattern: /arm\.yaml: key 'latency' = 40: .*16/ },
    {
      yaml: 'mas: 1.2',
      pattern: /arm\.yaml: unknown key 'mas' = 1\.2; expected one of: description, mass/,
    },
  ];
  for (const c of bad) {
    test(`refused: ${c.yaml}`, () => {
      assert.throws(() => readPerturbationFile(file('arm.yaml', c.yaml)), c.pattern);
    });
  }
});

describe('describeRandomize: the one-line summary the sim robot logs', () => {
  test('names every term with its operation and units', () => {
    const spec = readPerturbationFile(
      file(
        'stand-in.yaml',
        'mass: 1.25\nfrictionloss: { value: 0.1, operation: add }\npayload: { mass: 0.3 }\nlatency: 2\nnoise: { qpos: 0.002, qvel: 0.02 }\n',
      ),
    );
    assert.equal(
      describeRandomize(spec),
      'mass ×1.25, frictionloss +0.1, payload 0.3 kg (sphere r 0.03 m), latency 2 periods, noise σq 0.002 rad σq̇ 0.02 rad/s',
    );
    assert.equal(describeRandomize({ latency: { periods: [0, 2] } }), 'latency [0, 2] periods');
    assert.equal(describeRandomize(undefined), 'nominal');
  });
});
