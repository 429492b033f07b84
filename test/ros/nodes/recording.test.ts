/**
 * Recording from the policy node: the bag it writes is read back by the replay room's reader, with
 * the node's exact actions, log-probs and observations, episodes cut every `episodeSteps` ticks
 * and each episode's final observation equal to the next tick's observation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BagEpisodeReader } from '../../../src/replay/index.js';
import type { Episode } from '../../../src/replay/types.js';
import { bagRecorderFactory } from '../../../src/ros/nodes/episodeRecording.js';
import {
  InProcessTransport,
  SILENT_LOGGER,
} from '../../../src/ros/transport/inProcessTransport.js';
import type { PolicyOutputMessage } from '../../../src/ros/transport/messages.js';
import { PolicyNode } from '../../../src/ros/nodes/policyNode.js';
import { JOINTS, fakeWorld } from '../fakes.js';

const MS = 1_000_000n;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('recording episodes from the policy node', () => {
  test('bag round trip: actions, log-probs, observations, episode cuts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-ros-rec-'));
    dirs.push(dir);
    const bag = join(dir, 'bag');
    const transport = new InProcessTransport({ clock: 'manual' });
    let pn: PolicyNode | undefined;
    const handle = transport.createLifecycleNode(
      'torquepilot_policy',
      (node) => {
        pn = new PolicyNode(node, {
          loader: fakeWorld().loader,
          recorderFactory: bagRecorderFactory(
            SILENT_LOGGER,
            () => 4,
            () => 6,
          ),
        });
        return pn.callbacks();
      },
      {
        parameterOverrides: {
          checkpoint: '/x',
          record_path: bag,
          deterministic: false,
          max_torque_step: 2,
          seed: 9,
        },
      },
    );
    const outputs: PolicyOutputMessage[] = [];
    transport.subscribe(
      'torquepilot_msgs/msg/PolicyOutput',
      '/torquepilot/policy_output',
      'reliable',
      (m) => outputs.push({ ...m, action: Array.from(m.action), mean: Array.from(m.mean) }),
    );
    handle.trigger('configure');
    handle.trigger('activate');
    const obs: number[][] = [];
    for (let k = 0; k < 10; k++) {
      const q = JOINTS.map((_, j) => 0.1 * k + j);
      obs.push([...q, ...q.map((x) => 0.1 * x)]);
      transport.publish('sensor_msgs/msg/JointState', '/joint_states', {
        stampNs: transport.nowNs(),
        name: JOINTS,
        position: q,
        velocity: q.map((x) => 0.1 * x),
        effort: [],
      });
      transport.advanceBy(10n * MS);
    }
    handle.trigger('deactivate');
    await pn!.recordingsClosed();

    const reader = await BagEpisodeReader.open(bag);
    const episodes: Episode[] = [];
    for await (const e of reader.episodes()) episodes.push(e);
    // 10 ticks in windows of 4: 4 + 4 + 2 (the last cut by deactivate).
    assert.deepEqual(
      episodes.map((e) => e.length),
      [4, 4, 2],
    );
    assert.equal(episodes[0]!.checkpointId, 'fake-ckpt');
    assert.deepEqual(episodes[0]!.jointNames, JOINTS);
    let t = 0;
    for (const e of episodes) {
      for (let s = 0; s < e.length; s++, t++) {
        const o = outputs[t]!;
        assert.deepEqual(Array.from(e.actions.subarray(s * 3, s * 3 + 3)), o.action);
        assert.deepEqual(Array.from(e.observations.subarray(s * 6, s * 6 + 6)), obs[t]);
        assert.equal(e.behaviourLogProbs[s], o.logProb);
      }
    }
    // Episode 0's final observation is tick 4's observation (the successor state).
    assert.deepEqual(Array.from(episodes[0]!.finalObservation), obs[4]);
  });
});
