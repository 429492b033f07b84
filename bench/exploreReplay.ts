/**
 * Closing the loop over DDS (issue 16, "Learning from the arm's own episodes"): for each seed, the
 * policy node in explore mode drives the simulated robot node over rclnodejs (`deploy --transport
 * ros --explore --record`: two nodes in one process, every message through rmw), its bag is
 * replayed (`replay`, truncated weights), and the deterministic return of the behaviour and of the
 * replayed policy are evaluated on the same arm (20 fixed-seed episodes). Prints the ESS of the
 * self-replay (= n: the recorded log-probs are the behaviour's densities) and both returns.
 *
 *   npx tsx bench/exploreReplay.ts --seeds 3 --episodes 50 [--task reacher-2dof] [--json]
 *
 * Needs ROS (.ros/ or a sourced distribution); set ROS_DOMAIN_ID and
 * ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST. Lockstep at the control rate: 50 episodes of
 * reacher-2dof take about 50 s of wall time per seed. The stand-in arm is the nominal model until
 * `sim-robot --perturb` exists; the in-process test on a perturbed arm is
 * test/ros/nodes/replayFromArm.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  GaussianPolicy,
  ValueNetwork,
  forwardFromCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from '../src/policy/index.js';
import { runReplay } from '../src/replay/index.js';
import {
  bagRecorderFactory,
  createDeploymentLoader,
  ensureRosEnvironment,
  loadRclnodejsTransport,
  MujocoRobot,
  runDeploy,
  DEPLOY_DEFAULTS,
} from '../src/ros/index.js';
import { Random } from '../src/util/index.js';
import { makeEnv, taskSpec } from '../sim/index.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    episodes: { type: 'string', default: '50' },
    task: { type: 'string', default: 'reacher-2dof' },
    iterations: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const task = values.task;
const episodes = Number(values.episodes);
const spec = await taskSpec(task);

/** Mean deterministic return of a checkpoint over 20 fixed-seed episodes on the task's arm. */
async function evaluate(checkpoint: string): Promise<number> {
  const env = await makeEnv(task);
  const fwd = forwardFromCheckpoint(loadCheckpoint(checkpoint));
  const action = new Float64Array(spec.actionSize);
  let total = 0;
  try {
    for (let e = 0; e < 20; e++) {
      let obs = env.reset(5 + e);
      for (let t = 0; t < spec.horizon; t++) {
        fwd.forward(obs, action);
        const r = env.step(action);
        total += r.reward;
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
    }
  } finally {
    env.close();
  }
  return total / 20;
}

await ensureRosEnvironment();
const rows: Record<string, number>[] = [];
for (let seed = 1; seed <= Number(values.seeds); seed++) {
  const dir = mkdtempSync(join(tmpdir(), 'tp-bench-explore-'));
  try {
    const behaviour = join(dir, 'behaviour');
    const rng = new Random(seed);
    saveCheckpoint(behaviour, {
      task,
      jointNames: spec.jointNames,
      backend: 'cpu',
      iteration: 0,
      steps: 0,
      policy: new GaussianPolicy(
        {
          obsSize: spec.obsSize,
          actionSize: spec.actionSize,
          normalizeObs: false,
          logStdInit: -1.5,
        },
        rng.fork(),
      ),
      value: new ValueNetwork({ obsSize: spec.obsSize }, rng.fork()),
      hyperparameters: {},
    });
    const bag = join(dir, 'bag');
    const { loader, close } = await createDeploymentLoader();
    try {
      const report = await runDeploy(
        {
          ...DEPLOY_DEFAULTS,
          checkpoint: behaviour,
          explore: true,
          seed,
          recordPath: bag,
          durationS: episodes * spec.horizon * spec.dt + 0.5,
          extraParameters: { max_torque_step: 2 },
        },
        {
          transport: await loadRclnodejsTransport({}),
          loader,
          robot: await MujocoRobot.create(task),
          recorderFactory: bagRecorderFactory(
            { debug() {}, info() {}, warn: console.warn, error: console.error },
            () => spec.horizon,
            () => spec.obsSize,
          ),
        },
      );
      const replayed = join(dir, 'replayed');
      const summary = await runReplay({
        bags: [bag],
        checkpoint: behaviour,
        out: replayed,
        config: { weights: 'truncated', iterations: Number(values.iterations) },
      });
      rows.push({
        seed,
        ticks: report.ticks,
        episodes: summary.episodes,
        transitions: summary.transitions,
        ess: summary.ess,
        returnBehaviour: await evaluate(behaviour),
        returnReplayed: await evaluate(replayed),
      });
    } finally {
      close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (values.json) {
  process.stdout.write(`${JSON.stringify({ task, episodes, rows })}\n`);
} else {
  process.stdout.write(
    `explore-mode episodes over DDS → replay (${task}, ${episodes} episodes per seed)\n`,
  );
  process.stdout.write('seed  episodes  transitions  ESS        return behaviour → replayed\n');
  for (const r of rows) {
    process.stdout.write(
      `${String(r['seed']).padEnd(6)}${String(r['episodes']).padEnd(10)}${String(r['transitions']).padEnd(13)}${r['ess']!.toFixed(1).padEnd(11)}${r['returnBehaviour']!.toFixed(3)} → ${r['returnReplayed']!.toFixed(3)}\n`,
    );
  }
}
