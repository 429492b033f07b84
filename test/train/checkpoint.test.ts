/**
 * Checkpoint format: bit-exact round trip of weights and normaliser, atomic pointer files, and
 * refusal of corrupted, truncated or mismatched checkpoints with errors naming file and field.
 */
import { mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  forwardFromCheckpoint,
  loadCheckpoint,
  policyFromCheckpoint,
  resolveCheckpointDir,
  saveCheckpoint,
  valueFromCheckpoint,
  writePointer,
} from '../../src/policy/checkpoint.js';
import { PolicyForward } from '../../src/policy/forward.js';
import { GaussianPolicy } from '../../src/policy/policy.js';
import { ValueNetwork } from '../../src/policy/value.js';
import { Random } from '../../src/util/random.js';

const JOINTS = ['shoulder', 'elbow'];

function makeNets() {
  const rng = new Random(7);
  const policy = new GaussianPolicy({ obsSize: 5, actionSize: 2, hiddenSizes: [8, 6] }, rng.fork());
  // Give the normaliser non-trivial statistics and log-std non-default values.
  const obs = Float64Array.from({ length: 40 }, () => rng.normal() * 3 + 1);
  policy.updateNormalizer(obs, 8);
  policy.params[policy.params.length - 1] = -0.7;
  const value = new ValueNetwork({ obsSize: 5, hiddenSizes: [4] }, rng.fork());
  return { policy, value };
}

function save(dir: string) {
  const { policy, value } = makeNets();
  const manifest = saveCheckpoint(dir, {
    task: 'reacher-2dof',
    jointNames: JOINTS,
    actionLow: [-1, -1],
    actionHigh: [1, 1],
    backend: 'cpu',
    algo: 'trpo',
    iteration: 3,
    steps: 300,
    policy,
    value,
    hyperparameters: { seed: 1 },
    trainerState: { hello: [1.5, 0.1 + 0.2] },
  });
  return { policy, value, manifest };
}

describe('checkpoint', () => {
  test('round trip is bit-exact (weights, normaliser, value, trainer state)', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tp-ckpt-')), 'c');
    const { policy, value, manifest } = save(dir);
    const ck = loadCheckpoint(dir, {
      task: 'reacher-2dof',
      obsSize: 5,
      actionSize: 2,
      jointNames: JOINTS,
    });
    assert.equal(ck.manifest.id, manifest.id);
    assert.match(manifest.id, /^reacher-2dof-it3-[0-9a-f]{12}$/);
    const p2 = policyFromCheckpoint(ck);
    assert.deepEqual(Array.from(p2.params), Array.from(policy.params));
    assert.deepEqual(Array.from(p2.normalizer.mean), Array.from(policy.normalizer.mean));
    assert.deepEqual(Array.from(p2.normalizer.var), Array.from(policy.normalizer.var));
    assert.equal(p2.normalizer.count, policy.normalizer.count);
    const v2 = valueFromCheckpoint(ck);
    assert.ok(v2);
    assert.deepEqual(Array.from(v2.params), Array.from(value.params));
    assert.deepEqual(ck.trainerState, { hello: [1.5, 0.1 + 0.2] });
    // The plain-TS forward pass of the loaded policy equals the original's on a raw observation.
    const raw = [0.3, -1.2, 2, 0, 5];
    const a = Array.from(forwardFromCheckpoint(ck).forward(raw));
    assert.deepEqual(a, Array.from(new PolicyForward(policy).forward(raw)));
  });

  test('weights are raw little-endian float32 files whose sha256 the manifest records', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tp-ckpt-')), 'c');
    const { policy, manifest } = save(dir);
    const entry = manifest.files['policy/logStd'];
    assert.ok(entry);
    const bytes = readFileSync(join(dir, entry.path));
    assert.equal(bytes.length, 2 * 4);
    assert.equal(bytes.readFloatLE(4), policy.params[policy.params.length - 1]);
    assert.deepEqual(entry.shape, [2]);
  });

  test('a corrupted weight file is refused naming the file and sha256', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tp-ckpt-')), 'c');
    save(dir);
    const f = join(dir, 'policy', 'mean.layers.0.weight.bin');
    const bytes = readFileSync(f);
    bytes[3] = (bytes[3] as number) ^ 0xff;
    writeFileSync(f, bytes);
    assert.throws(
      () => loadCheckpoint(dir),
      /mean\.layers\.0\.weight\.bin: sha256 [0-9a-f]+ does not match manifest files\['policy\/mean\.layers\.0\.weight'\]/,
    );
  });

  test('a truncated file is refused naming its length', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tp-ckpt-')), 'c');
    save(dir);
    truncateSync(join(dir, 'value', 'value.layers.0.bias.bin'), 6);
    assert.throws(
      () => loadCheckpoint(dir),
      /value\.layers\.0\.bias\.bin: 6 bytes, manifest .*bytes says 16 \(truncated/,
    );
  });

  test('mismatched task, sizes or joint names are refused naming the field', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tp-ckpt-')), 'c');
    save(dir);
    assert.throws(
      () => loadCheckpoint(dir, { task: 'arm7-reach' }),
      /manifest\.json: field 'task' is "reacher-2dof", expected "arm7-reach"/,
    );
    assert.throws(() => loadCheckpoint(dir, { obsSize: 6 }), /field 'obsSize' is 5, expected 6/);
    assert.throws(
      () => loadCheckpoint(dir, { actionSize: 7 }),
      /field 'actionSize' is 2, expected 7/,
    );
    assert.throws(
      () => loadCheckpoint(dir, { jointNames: ['elbow', 'shoulder'] }),
      /field 'jointNames' is \["shoulder","elbow"\]/,
    );
  });

  test('a malformed manifest is refused naming the field', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tp-ckpt-')), 'c');
    save(dir);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.version = 99;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    assert.throws(() => loadCheckpoint(dir), /manifest\.json: field 'version'/);
    writeFileSync(join(dir, 'manifest.json'), '{"format": "torq');
    assert.throws(() => loadCheckpoint(dir), /manifest\.json: not valid JSON/);
  });

  test('pointers: a run directory resolves to best, else latest; saving replaces atomically', () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-run-'));
    const ckdir = join(root, 'checkpoints');
    save(join(ckdir, 'iter-000001'));
    save(join(ckdir, 'iter-000002'));
    writePointer(ckdir, 'latest', { checkpoint: 'iter-000002', iteration: 2, steps: 2 });
    assert.equal(resolveCheckpointDir(root), join(ckdir, 'iter-000002')); // no best yet → latest
    writePointer(ckdir, 'best', {
      checkpoint: 'iter-000001',
      iteration: 1,
      steps: 1,
      metric: 'evalReturn',
      score: 3,
    });
    assert.equal(resolveCheckpointDir(root), join(ckdir, 'iter-000001'));
    assert.equal(resolveCheckpointDir(root, 'latest'), join(ckdir, 'iter-000002'));
    assert.equal(resolveCheckpointDir(ckdir, 'latest'), join(ckdir, 'iter-000002'));
    // Overwriting a checkpoint leaves no temporary or old directories behind.
    save(join(ckdir, 'iter-000002'));
    assert.deepEqual(readdirSync(ckdir).sort(), [
      'best.json',
      'iter-000001',
      'iter-000002',
      'latest.json',
    ]);
    assert.throws(() => resolveCheckpointDir(join(root, 'nope')), /nope does not exist/);
  });
});
