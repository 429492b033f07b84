/**
 * The stand-in arm over real DDS: `torquepilot sim-robot --perturb <file>` as a user starts it,
 * driven by an rclpy peer on the policy's side (test/ros/peer/stand_in_driver.py): commands in
 * lockstep, then a call of ~/reset, the episode boundary on /torquepilot/episode.
 *
 * The sim robot is deterministic given its seed and the command sequence, so the joint states that
 * crossed DDS must equal, bit for bit, those of the same node driven in process on the same
 * perturbation (test/ros/nodes/standInDrive.ts), and differ from those of the nominal arm; noise on
 * them has the file's std. A bad file ends the process with the loader's error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readPerturbationFile } from '../../../src/config/index.js';
import { findRosEnvironment } from '../../../src/ros/transport/rclnodejs/rosEnv.js';
import { SEED, commands, drive, maxAbsDiff } from '../nodes/standInDrive.js';
import type { ManagedProcess } from './harness.js';
import { ROOT, peerPython, rosProcessEnv, rosSkipReason, startSimRobotCli } from './harness.js';

const DOMAIN = 63;
const skip = rosSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'tp-standin-dds-'));
const STEPS = 25;
const NOISE = { qpos: 0.002, qvel: 0.02 };
const PERTURBATION = `description: heavier links, one period late, noisy encoders
mass: 1.3
latency: 1
noise: { qpos: ${NOISE.qpos}, qvel: ${NOISE.qvel} }
`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function startSimRobot(args: string[]): ManagedProcess {
  return startSimRobotCli(DOMAIN, args);
}

interface DriverResult {
  readonly position: number[][];
  readonly velocity: number[][];
  readonly stamps: string[];
  readonly reset: {
    readonly success: boolean;
    readonly message: string;
    readonly position: number[];
    readonly velocity: number[];
    readonly stamp: string;
  };
  readonly episodes: { readonly stamp: string; readonly frame_id: string }[];
}

describe(
  'stand-in arm over DDS: sim-robot --perturb, ~/reset, /torquepilot/episode',
  {
    skip: skip ?? false,
  },
  () => {
    const sequence = commands(STEPS);
    const perturbPath = file('stand-in.yaml', PERTURBATION);
    let robot: ManagedProcess | undefined;
    let result: DriverResult;

    before(async () => {
      robot = startSimRobot(['--perturb', perturbPath, '--seed', String(SEED)]);
      await robot.waitForLine(/simulating arm7-reach/, 60_000);
      const ros = findRosEnvironment();
      assert.ok(ros);
      const driver = spawnSync(
        peerPython(ros),
        [
          '-u',
          join(ROOT, 'test/ros/peer/stand_in_driver.py'),
          '--commands',
          file('commands.json', JSON.stringify(sequence)),
        ],
        { env: rosProcessEnv(DOMAIN, { node: false }), encoding: 'utf8', timeout: 120_000 },
      );
      const line = driver.stdout.trim().split('\n').at(-1) ?? '';
      const parsed = JSON.parse(line === '' ? '{"error":"no output"}' : line) as
        DriverResult | { error: string };
      if ('error' in parsed) {
        throw new Error(`stand_in_driver: ${parsed.error}\n${driver.stderr}\n${robot.tail()}`);
      }
      result = parsed;
    });

    after(async () => {
      await robot?.stop();
    });

    test('one log line names the file and what it shifts', async () => {
      assert.ok(robot);
      const line = await robot.waitForLine(/perturbed by/, 1000);
      assert.ok(line.includes(perturbPath), line);
      assert.match(line, /mass ×1\.3, latency 1 periods, noise σq 0\.002 rad σq̇ 0\.02 rad\/s/);
    });

    test('the joint states over DDS are those of the perturbed arm, not of the nominal one', async () => {
      const spec = readPerturbationFile(perturbPath);
      const inProcess = await drive(spec, sequence);
      assert.equal(result.position.length, STEPS + 1);
      assert.deepEqual(result.position, inProcess.position);
      assert.deepEqual(result.velocity, inProcess.velocity);
      const nominal = await drive(undefined, sequence);
      const d = maxAbsDiff(result.position, nominal.position);
      assert.ok(d > 1e-2, `the stand-in moved like the nominal arm (max |Δq| = ${d} rad)`);
    });

    test('noise on the published joint states has the std of the file', async () => {
      // Noise never feeds back into the physics: published − noise-free = the noise itself.
      const quiet = readPerturbationFile(file('quiet.yaml', 'mass: 1.3\nlatency: 1\n'));
      const clean = await drive(quiet, sequence);
      for (const [what, sigma, a, b] of [
        ['q', NOISE.qpos, result.position, clean.position],
        ['q̇', NOISE.qvel, result.velocity, clean.velocity],
      ] as const) {
        const e = a.flatMap((row, i) => row.map((x, j) => x - (b[i]?.[j] as number)));
        const n = e.length;
        const rms = Math.sqrt(e.reduce((s, x) => s + x * x, 0) / n);
        // 4 standard errors of a Gaussian sample's rms: σ/√(2n).
        assert.ok(
          Math.abs(rms - sigma) < (4 * sigma) / Math.sqrt(2 * n),
          `${what}: rms ${rms}, expected ${sigma} (n = ${n})`,
        );
      }
    });

    test('~/reset succeeds, puts the arm at the pose of episode seed + 1, and is announced', async () => {
      const spec = readPerturbationFile(perturbPath);
      const reference = await drive(spec, sequence, { thenReset: [] });
      assert.deepEqual([result.reset.success, result.reset.message], [true, 'episode 1 started']);
      assert.deepEqual(result.reset.position, reference.position.at(-1));
      assert.deepEqual(result.reset.velocity, reference.velocity.at(-1));
      const boundary = result.episodes.find((e) => e.frame_id === 'reset');
      assert.ok(boundary, JSON.stringify(result.episodes));
      assert.equal(boundary.stamp, result.reset.stamp, 'stamp = the first state of the episode');
      assert.ok(BigInt(boundary.stamp) > BigInt(result.stamps.at(-1) ?? '0'));
    });

    test('a bad perturbation file: the process exits 1 with the file, key and value', async () => {
      const bad = file('bad.yaml', 'mass: -1.3\n');
      const proc = startSimRobot(['--perturb', bad]);
      const code = await proc.waitForExit(60_000);
      assert.equal(code, 1, proc.tail());
      const text = proc.lines.join('\n');
      assert.match(text, /bad\.yaml: key 'mass' = -1\.3: a mass \(or its scale\) must be > 0/);
    });
  },
);
