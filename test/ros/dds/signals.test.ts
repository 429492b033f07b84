/**
 * Issue 20, point 3: Ctrl-C is safe however it arrives, for the INSTALLED executables started as
 * `ros2 launch` starts them (test/ros/dds/ctrlc.ts), over real DDS with the rclpy peer
 * (test/ros/peer/robot_peer.py, --motion sine: the arm keeps moving). Domains 86 (policy node),
 * 87 (trainer), 88 (replay).
 *
 * - policy_node (deploy_arm.launch.py: real mode, armed, sampling, recording a bag): SIGINT once,
 *   SIGINT twice at random gaps of 0–50 ms (DOUBLE_SIGINT_RUNS times), SIGTERM, SIGINT then
 *   SIGTERM. Every time: the last command the peer received is all zero, exit code 0, the bag reads
 *   back with at least one episode, no damage, and a step for every non-zero command but the last
 *   (signalled once DRIVEN_COMMANDS of them arrived).
 * - trainer_node (sim_training.launch.py) and trainer (`train`): exit 0 after finishing the
 *   iteration the signal landed in, its checkpoint written, and `trainer --resume` continues from
 *   it (the next iteration, exit 0).
 * - sim_robot (sim_training.launch.py's parameters): SIGINT twice 5 ms apart, exit 0 after an
 *   orderly shutdown.
 * - replay: exit 0 with the replay checkpoint written, stopped between iterations.
 *
 * Each policy-node run starts its own node and lasts about 2.8 s here (2 cores: start, configure,
 * activate, torque at the peer, signal, exit ~0.15 s), under the 3 s per run that keeps CI in
 * check, so the test runs all 20 double-SIGINT runs of issue 20; bench/ctrlc.ts runs them too and
 * prints the timings.
 * - force-quit: a deliberate second Ctrl-C 1.2 s into the trainer's shutdown exits 130 at once and
 *   says what it gives up; the previous checkpoint stays (every branch of the signal handling, with
 *   an injected clock: test/util/shutdownSignals.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { saveRandomArm7Checkpoint } from '../../fixtures/arm7Checkpoint.js';
import {
  installedExecutables,
  launchEnv,
  PATTERNS,
  policyNodeRun,
  resumeRun,
  sendSignals,
  trainerRun,
  writeParamsFile,
} from './ctrlc.js';
import type { PolicyRunResult, SignalPattern } from './ctrlc.js';
import { ManagedProcess, RobotPeer, rosSkipReason } from './harness.js';

const JOINTS = ['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7'];
const DOUBLE_SIGINT_RUNS = 20;
/** reacher-2dof, 4 envs × 256 steps: iterations of 1024 steps. */
const N_STEPS = 256;
const skip = rosSkipReason();

function checkPolicyRun(what: string, r: PolicyRunResult): void {
  const context = `${what}: ${JSON.stringify({ ...r, output: undefined })}\n${r.output}`;
  assert.ok(r.drivenBefore, `${what}: the arm was not driven before the signal`);
  assert.equal(r.exitSignal, null, context);
  assert.equal(r.exitCode, 0, context);
  assert.ok(
    r.lastCommandAllZero,
    `${what}: last command not zero: ${String(r.lastCommand)}\n${context}`,
  );
  assert.equal(r.lastCommand?.length, JOINTS.length, context);
  assert.equal(r.bag.damage, undefined, context);
  assert.ok(r.bag.episodes >= 1 && r.bag.steps >= 1, context);
  // Every non-zero command came from a recorded step; only the last step (no observed successor)
  // is dropped: no boundary comes in this run.
  assert.ok(
    r.bag.steps >= r.drivenCommands - 1,
    `${what}: steps < driven commands - 1\n${context}`,
  );
}

describe(
  'Ctrl-C of the installed executables, as ros2 launch starts them',
  { skip: skip ?? false },
  () => {
    let dir = '';
    let libDir = '';
    let cleanup = (): void => undefined;
    let checkpoint = '';
    let run = 0;

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'tp-signals-'));
      ({ libDir, cleanup } = installedExecutables());
      checkpoint = join(dir, 'ckpt');
      saveRandomArm7Checkpoint(checkpoint, 5, -0.5);
    });
    after(() => {
      cleanup();
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    describe('policy_node with a moving arm', () => {
      let peer: RobotPeer | undefined;
      before(async () => {
        peer = await RobotPeer.start(86, {
          joints: JOINTS,
          rateHz: 100,
          target: [0.4, 0.2, 0.5],
          motion: 'sine',
        });
      });
      after(async () => {
        await peer?.stop();
      });
      const once = (what: string, pattern: SignalPattern) =>
        policyNodeRun(
          { libDir, domainId: 86, peer: peer!, checkpoint, dir: join(dir, `policy-${run++}`) },
          pattern,
        ).then((r) => checkPolicyRun(what, r));

      test('SIGINT once', () => once('SIGINT', PATTERNS.sigintOnce));
      test('SIGTERM once', () => once('SIGTERM', PATTERNS.sigtermOnce));
      test(`SIGINT twice at random gaps of 0–50 ms, ${DOUBLE_SIGINT_RUNS} times`, async () => {
        for (let i = 0; i < DOUBLE_SIGINT_RUNS; i++) {
          const gap = Math.random() * 50;
          await once(`SIGINT twice, ${gap.toFixed(1)} ms apart`, PATTERNS.sigintTwice(gap));
        }
      });
      test('SIGINT then SIGTERM (ros2 launch escalating)', () =>
        once('SIGINT then SIGTERM', PATTERNS.sigintThenSigterm(5000)));
    });

    describe('trainer_node and trainer: the iteration finishes, its checkpoint resumes', () => {
      const cases: [string, 'trainer_node' | 'trainer', SignalPattern][] = [
        ['trainer_node, SIGINT twice 5 ms apart', 'trainer_node', PATTERNS.sigintTwice(5)],
        ['trainer_node, SIGTERM', 'trainer_node', PATTERNS.sigtermOnce],
        [
          'trainer_node, SIGINT then SIGTERM mid-iteration',
          'trainer_node',
          PATTERNS.sigintThenSigterm(30),
        ],
        ['trainer, SIGINT once', 'trainer', PATTERNS.sigintOnce],
      ];
      for (const [what, executable, pattern] of cases) {
        test(what, async () => {
          const runDir = join(dir, `trainer-${run++}`);
          const r = await trainerRun(
            { libDir, domainId: 87, dir: runDir, nSteps: N_STEPS },
            executable,
            pattern,
          );
          const context = `${what}: ${JSON.stringify({ ...r, output: undefined })}\n${r.output}`;
          assert.equal(r.exitSignal, null, context);
          assert.equal(r.exitCode, 0, context);
          assert.ok(r.done !== null && r.done.interrupted, context);
          // The iteration the signal landed in was finished (never cut) and checkpointed.
          assert.ok(r.done.iterations >= r.iterationAtSignal - 1, context);
          assert.equal(r.latestCheckpointIteration, r.done.iterations, context);
          const steps = r.done.steps + 4 * N_STEPS;
          const resumed = await resumeRun(libDir, 87, join(runDir, 'run'), steps);
          assert.equal(resumed.exitCode, 0, resumed.output);
          assert.equal(resumed.done?.iterations, r.done.iterations + 1, resumed.output);
          assert.equal(resumed.done?.steps, steps, resumed.output);
        });
      }
    });

    test('trainer_node: a deliberate second Ctrl-C 1.2 s later forces the exit and says so', async () => {
      // Iterations of 4 × 8192 steps (seconds each): the second Ctrl-C lands mid-iteration.
      const r = await trainerRun(
        { libDir, domainId: 87, dir: join(dir, `trainer-${run++}`), nSteps: 8192 },
        'trainer_node',
        [
          { signal: 'SIGINT', afterMs: 0 },
          { signal: 'SIGINT', afterMs: 1200 },
        ],
      );
      const context = `${JSON.stringify({ ...r, output: undefined })}\n${r.output}`;
      assert.equal(r.exitCode, 130, context);
      assert.match(
        r.output,
        /second Ctrl-C: exiting without a checkpoint \(the last periodic one stays\)/,
      );
      assert.equal(r.done, null, context);
      // The periodic checkpoint of the iteration before stays; the cut one was not written.
      assert.ok(
        r.latestCheckpointIteration !== null && r.latestCheckpointIteration < r.iterationAtSignal,
        context,
      );
    });

    test('sim_robot (as sim_training.launch.py starts it): SIGINT twice 5 ms apart, exit 0', async () => {
      const params = writeParamsFile(join(dir, 'sim-robot.yaml'), {
        task: 'arm7-reach',
        use_sim_time: true,
      });
      const proc = ManagedProcess.start(
        'sim_robot',
        join(libDir, 'sim_robot'),
        ['--ros-args', '-r', '__node:=torquepilot_sim_robot', '--params-file', params],
        launchEnv(88),
      );
      try {
        await proc.waitForLine(/simulating arm7-reach/, 60_000);
        await sendSignals(proc, PATTERNS.sigintTwice(5));
        assert.equal(await proc.waitForExit(15_000), 0, proc.tail());
        assert.equal(proc.exitSignal, null);
        assert.ok(
          proc.lines.some((l) => /shutdown complete/.test(l)),
          proc.tail(),
        );
      } finally {
        await proc.stop();
      }
    });

    test('replay: SIGINT between iterations writes the replay checkpoint, exit 0', async () => {
      // A bag of the policy node's runs above (or of its own run when run alone).
      const bags = [0, 1, 2, 3].map((i) => join(dir, `policy-${i}`, 'bag')).filter(existsSync);
      assert.ok(bags.length > 0, 'no bag from the policy-node runs');
      const out = join(dir, 'replayed');
      const proc = ManagedProcess.start(
        'replay',
        join(libDir, 'replay'),
        [
          '--bag',
          ...bags,
          '--checkpoint',
          checkpoint,
          '--out',
          out,
          '--iterations',
          '1000',
          '--json',
          '--log-level',
          'info',
        ],
        launchEnv(88),
      );
      try {
        await proc.waitForLine(/iteration 1 of 1000 done/, 60_000);
        process.kill(proc.child.pid!, 'SIGINT');
        setTimeout(() => proc.running && process.kill(proc.child.pid!, 'SIGINT'), 10);
        const code = await proc.waitForExit(60_000);
        assert.equal(code, 0, proc.tail());
        const summary = JSON.parse(
          proc.lines.find((l) => l.startsWith('{') && l.includes('"transitions"')) ?? '{}',
        ) as {
          iterations?: unknown[];
        };
        const done = summary.iterations?.length ?? 0;
        assert.ok(done >= 1 && done < 1000, proc.tail());
        const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
          hyperparameters: { replay: { iterations: number } };
        };
        assert.equal(manifest.hyperparameters.replay.iterations, done);
      } finally {
        await proc.stop();
      }
    });
  },
);
