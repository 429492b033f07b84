/**
 * The policy node in explore mode as an actor of the fleet (issue 17), over real DDS on loopback
 * (domain 63): `torquepilot learner`, `torquepilot sim-robot` (reacher-2dof, lockstep) and
 * `torquepilot node` (mode sim, explore, chunk_topic, follow_parameters, autostart) as three
 * processes. The node's checkpoint is the learner run's own first checkpoint (`learner --steps 0`
 * writes it; the learner then resumes that run), so the node's identity, computed from the same
 * robot and task, is the learner's, and its network has the learner's shape.
 * - every episode the node ends reaches the learner as a chunk and is learned from (batch = one
 *   episode: 49 transitions): the learner's `actors` line counts the node's chunks as accepted,
 *   none refused;
 * - the node follows the learner: it logs acting with a learner version ≥ 1 (applied at an episode
 *   boundary), and all three processes end 0 on SIGINT.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ManagedProcess } from './harness.js';
import { rosSkipReason, startPolicyNodeCli, startSimRobotCli } from './harness.js';
import { jsonLine, jsonLines, REACHER, startCli, waitForVersion } from './fleetProcesses.js';

const DOMAIN = 63;
const skip = rosSkipReason();
/** reacher-2dof's horizon is 50: an episode is 49 recorded steps, one chunk, one update. */
const BATCH = 49;
const ACTOR_ID = 'arm1';

describe('the policy node as an actor over DDS', { skip: skip ?? false }, () => {
  let dir = '';
  const processes: ManagedProcess[] = [];
  let learner: ManagedProcess;
  let node: ManagedProcess;
  let robot: ManagedProcess;
  let followed = 0;
  const exits: Record<string, { code: number | null; signal: NodeJS.Signals | null }> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-policy-actor-dds-'));
    const runDir = join(dir, 'run');
    // The learner run's version-0 checkpoint: its initial network, written at the end.
    const init = startCli(DOMAIN, 'learner-init', [
      'learner',
      ...REACHER,
      '--steps',
      '0',
      '--seed',
      '1',
      '--run-dir',
      runDir,
    ]);
    processes.push(init);
    assert.equal(await init.waitForExit(60_000), 0, init.tail());
    learner = startCli(DOMAIN, 'learner', [
      'learner',
      '--resume',
      runDir,
      '--batch-size',
      String(BATCH),
      '--checkpoint-every',
      '1',
    ]);
    processes.push(learner);
    robot = startSimRobotCli(DOMAIN, [...REACHER, '--seed', '3']);
    processes.push(robot);
    node = startPolicyNodeCli(DOMAIN, 'torquepilot_policy', [
      '--mode',
      'sim',
      '--checkpoint',
      join(runDir, 'checkpoints', 'iter-000000'),
      '--rate',
      '100',
      '--autostart',
      '--ros-args',
      '-p',
      'explore:=true',
      '-p',
      'seed:=5',
      '-p',
      'chunk_topic:=/torquepilot/transition_chunks',
      '-p',
      `actor_id:=${ACTOR_ID}`,
      '-p',
      'follow_parameters:=true',
    ]);
    processes.push(node);
    // The learner learns from the node's chunks, the node acts with what it learned.
    await waitForVersion(learner, 2, 60_000);
    const line = await node.waitForLine(/acting with version [1-9]\d* of learner/, 30_000);
    followed = Number(/acting with version (\d+)/.exec(line)?.[1]);
    exits['node'] = await node.interrupt('SIGINT', 30_000);
    exits['robot'] = await robot.interrupt('SIGINT', 30_000);
    exits['learner'] = await learner.interrupt('SIGINT', 60_000);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('the learner accepts the policy node’s chunks and learns from them', () => {
    assert.deepEqual(exits['learner'], { code: 0, signal: null }, learner.tail());
    const actors = jsonLine(learner, 'actors');
    const accepted = actors['accepted'] as Record<string, number>;
    assert.ok((accepted[ACTOR_ID] ?? 0) >= 2, JSON.stringify(actors));
    const done = jsonLine(learner, 'done');
    assert.equal(done['refused'], 0, JSON.stringify(done));
    const updates = jsonLines(learner, 'update');
    assert.ok(updates.length >= 2, `${updates.length} updates`);
    assert.ok((done['transitions'] as number) >= BATCH, JSON.stringify(done));
  });

  test('the policy node acts with a learner version ≥ 1 and ends cleanly', () => {
    assert.ok(followed >= 1, `followed version ${followed}`);
    assert.ok(
      node.lines.some((l) => l.includes('following the learner')),
      node.tail(),
    );
    assert.deepEqual(exits['node'], { code: 0, signal: null }, node.tail());
    assert.deepEqual(exits['robot'], { code: 0, signal: null }, robot.tail());
  });
});
