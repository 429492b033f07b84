/**
 * Steps recorded with the mean action (the policy node's explore = false) have no behaviour
 * density: the bag flags them, replay refuses to importance-weight them (naming the bag, the count
 * and the fix), and `--critic-only` fits the value network on them without touching the policy.
 * Bags of format 1 (before the flag existed) still read, with the flag inferred from action = mean.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from '@foxglove/rosmsg';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';
import {
  loadCheckpoint,
  policyFromCheckpoint,
  valueFromCheckpoint,
} from '../../src/policy/checkpoint.js';
import { BagEpisodeReader } from '../../src/replay/bagEpisodeReader.js';
import type { Episode } from '../../src/replay/types.js';
import { makeTransitionDecoder } from '../../src/replay/episodeMessages.js';
import { EpisodeRecorder } from '../../src/replay/episodeRecorder.js';
import { schemaText, TRANSITION_TYPE } from '../../src/replay/messageDefinitions.js';
import { ReplayDataBuilder } from '../../src/replay/replayData.js';
import { replayUpdate } from '../../src/replay/replayUpdate.js';
import { runReplay } from '../../src/replay/runReplay.js';
import type { RecordedStep } from '../../src/replay/types.js';
import { createUpdateContext } from '../../src/learn/index.js';
import { Random } from '../../src/util/random.js';
import {
  JOINTS,
  OBS_SIZE,
  runCliSync,
  saveFreshCheckpoint,
  syntheticSteps,
  tempDir,
} from './helpers.js';

const tmp = tempDir('torquepilot-replay-deterministic-');
const sampled = join(tmp, 'sampled');
const mixed = join(tmp, 'mixed');
const ck = join(tmp, 'ck');

/** Steps of `syntheticSteps`, those with `deterministic(step index)` taking the mean action. */
function steps(deterministic: (i: number) => boolean): RecordedStep[] {
  return syntheticSteps(6, 11, 1_000_000_000n, false).map((s, i) =>
    deterministic(i) ? { ...s, action: s.mean, logProb: -1, deterministic: true } : s,
  );
}

async function writeBag(dir: string, list: readonly RecordedStep[]): Promise<void> {
  const rec = await EpisodeRecorder.create(dir, {
    task: 'toy',
    jointNames: JOINTS,
    checkpointId: 'toy-behaviour',
    obsSize: OBS_SIZE,
  });
  for (const s of list) await rec.writeStep(s);
  await rec.close();
}

async function readEpisodes(
  dir: string,
): Promise<{ episodes: Episode[]; reader: BagEpisodeReader }> {
  const reader = await BagEpisodeReader.open(dir);
  const episodes: Episode[] = [];
  for await (const e of reader.episodes()) episodes.push(e);
  return { episodes, reader };
}

before(async () => {
  await writeBag(
    sampled,
    steps(() => false),
  );
  // 6 episodes of 3..8 steps = 33 steps; every third one deterministic = 11.
  await writeBag(
    mixed,
    steps((i) => i % 3 === 0),
  );
  saveFreshCheckpoint(ck, { task: 'toy', jointNames: JOINTS, obsSize: OBS_SIZE, seed: 4 });
});

describe('deterministic steps', () => {
  test('are flagged in the bag with log-prob NaN, whatever log-prob the caller gave', async () => {
    const { episodes, reader } = await readEpisodes(mixed);
    const flags = episodes.flatMap((e) => Array.from(e.deterministic));
    const logProbs = episodes.flatMap((e) => Array.from(e.behaviourLogProbs));
    assert.equal(flags.length, 33);
    flags.forEach((d, i) => {
      assert.equal(d, i % 3 === 0 ? 1 : 0, `step ${i}`);
      assert.equal(Number.isNaN(logProbs[i]), i % 3 === 0, `log-prob of step ${i}`);
    });
    assert.equal(reader.report().deterministicSteps, 11);
  });

  test('a sampled step without a finite log-prob is refused by the writer', async () => {
    const rec = await EpisodeRecorder.create(join(tmp, 'nan'), {
      task: 'toy',
      jointNames: JOINTS,
      checkpointId: 'toy-behaviour',
      obsSize: OBS_SIZE,
    });
    const [first] = syntheticSteps(1, 2, 0n, false);
    await assert.rejects(
      rec.writeStep({ ...first!, logProb: NaN }),
      /writeStep\(episode 0, step 0\): a sampled step needs a finite logProb, got NaN \(flag a mean action deterministic\)/,
    );
    await rec.close();
  });

  test('replay refuses importance weighting on them: the bag, the count, what to do', async () => {
    const expected =
      /replay: bag .*mixed has 11 of 33 steps recorded deterministically \(the policy node's explore was false.*no density.*record with explore:=true.*--critic-only/;
    await assert.rejects(
      runReplay({ bags: [sampled, mixed], checkpoint: ck, out: join(tmp, 'never') }),
      expected,
    );
    const cli = runCliSync(['replay', '--bag', mixed, '--checkpoint', ck, '--out', join(tmp, 'x')]);
    assert.notEqual(cli.status, 0);
    assert.match(cli.stderr, /bag .*mixed has 11 of 33 steps recorded deterministically/);
    // And a direct caller of the update cannot weight them either.
    const builder = new ReplayDataBuilder();
    for (const e of (await readEpisodes(mixed)).episodes) builder.add(e);
    const policy = policyFromCheckpoint(loadCheckpoint(ck));
    const value = valueFromCheckpoint(loadCheckpoint(ck))!;
    assert.throws(
      () =>
        replayUpdate(
          policy,
          value,
          builder.build(),
          createUpdateContext(policy, value, new Random(0)),
        ),
      /replayUpdate: 11 of 33 steps were recorded with the mean action \(no density\)/,
    );
  });

  test('--critic-only fits the value network on them and leaves the policy untouched', async () => {
    const out = join(tmp, 'critic');
    const summary = await runReplay({
      bags: [mixed],
      checkpoint: ck,
      out,
      criticOnly: true,
      config: { iterations: 3 },
    });
    assert.equal(summary.mode, 'critic-only');
    assert.equal(summary.deterministicSteps, 11);
    assert.equal(summary.transitions, 33);
    assert.ok(
      summary.valueLossAfter! < summary.valueLossBefore!,
      `value loss ${summary.valueLossBefore} -> ${summary.valueLossAfter}`,
    );
    const before = loadCheckpoint(ck);
    const after = loadCheckpoint(out);
    assert.equal(after.manifest.algo, 'replay-critic');
    assert.deepEqual(
      Array.from(policyFromCheckpoint(after).params),
      Array.from(policyFromCheckpoint(before).params),
    );
    assert.notDeepEqual(
      Array.from(valueFromCheckpoint(after)!.params),
      Array.from(valueFromCheckpoint(before)!.params),
    );
    const cli = runCliSync([
      'replay',
      '--bag',
      mixed,
      '--checkpoint',
      ck,
      '--out',
      join(tmp, 'critic-cli'),
      '--critic-only',
    ]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(
      cli.stdout,
      /replay --critic-only: 33 transitions from 6 episodes \(11 deterministic\); the policy is unchanged/,
    );
  });
});

describe('bags of format 1 (no deterministic field) still read', () => {
  test('the golden bag of format 1 reads as the same episodes as the format-2 golden bag', async () => {
    const v1 = await readEpisodes(
      new URL('../fixtures/replay/golden-v1/', import.meta.url).pathname,
    );
    const v2 = await readEpisodes(new URL('../fixtures/replay/golden/', import.meta.url).pathname);
    assert.equal(
      v1.reader.metadata?.rosbag2_bagfile_information.custom_data?.['torquepilot.format'],
      '1',
    );
    assert.equal(v1.episodes.length, 2);
    for (const [i, e] of v1.episodes.entries()) {
      const f = v2.episodes[i]!;
      assert.deepEqual(Array.from(e.deterministic), new Array<number>(e.length).fill(0));
      for (const key of ['observations', 'actions', 'means', 'logStds', 'rewards'] as const) {
        assert.deepEqual(Array.from(e[key]), Array.from(f[key]), key);
      }
      assert.deepEqual(Array.from(e.behaviourLogProbs), Array.from(f.behaviourLogProbs));
    }
  });

  test('a format-1 step whose action equals its mean is read as deterministic', () => {
    // The format-1 definition: today's without the deterministic field (and its comment).
    const v1 = schemaText(TRANSITION_TYPE).replace(
      /# True when the action is the mean[^]*?bool deterministic\n/,
      '',
    );
    assert.ok(!v1.includes('deterministic\n'), 'the field is gone from the old definition');
    const writer = new MessageWriter(parse(v1, { ros2: true }));
    const decode = makeTransitionDecoder(v1);
    const message = (action: number[], mean: number[]) => ({
      header: { stamp: { sec: 1, nanosec: 2 }, frame_id: '' },
      episode_index: 0,
      step_index: 0,
      checkpoint_id: 'c',
      task: 'toy',
      joint_names: [...JOINTS],
      observation: Float64Array.from([1, 2, 3]),
      action: Float64Array.from(action),
      mean: Float64Array.from(mean),
      log_std: Float64Array.from([0, 0]),
      log_prob: -1.8378770664093453, // log N(μ; μ, 1) in 2-d: what format 1 wrote for the mean
      reward: 0,
      terminated: false,
      truncated: false,
      final_observation: new Float64Array(0),
    });
    const mean = [0.25, -1.5];
    assert.equal(decode(writer.writeMessage(message(mean, mean))).deterministic, true);
    assert.equal(decode(writer.writeMessage(message([0.25, -1.25], mean))).deterministic, false);
  });
});
