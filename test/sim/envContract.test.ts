// sim/ never imports src/learn, yet its environments are what the learner consumes: they satisfy
// learn's Env/VecEnv contract (src/learn/env.ts) structurally. The type assertions below fail `tsc`
// when sim's concrete types and learn's contract drift apart; the tests run the TypeScript checker
// on this very file (so that the test runner fails too), show that the checker does catch a drifted
// environment, and drive sim's environments through learn's types at run time.
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type {
  Env as LearnEnv,
  StepResult as LearnStepResult,
  TaskSpec as LearnTaskSpec,
  VecEnv as LearnVecEnv,
  VecStepResult as LearnVecStepResult,
} from '../../src/learn/index.js';
import { makeEnv, makeVecEnv } from '../../sim/index.js';
import type {
  Env as SimEnv,
  MujocoEnv,
  StepResult as SimStepResult,
  TaskSpec as SimTaskSpec,
  VecEnv as SimVecEnv,
  VecStepResult as SimVecStepResult,
} from '../../sim/index.js';
import type { InProcessVecEnv } from '../../sim/vecEnv.js';
import type { WorkerPoolVecEnv } from '../../sim/workerPool.js';

/** `true` when every `From` is a `To` (tuple-wrapped so that unions do not distribute). */
type Assignable<From, To> = [From] extends [To] ? true : false;

// Each entry must be `true`; a drift turns one into `false` and `tsc` rejects the literal `true`.
export const contractHolds: readonly [
  Assignable<MujocoEnv, LearnEnv>,
  Assignable<SimEnv, LearnEnv>,
  Assignable<InProcessVecEnv, LearnVecEnv>,
  Assignable<WorkerPoolVecEnv, LearnVecEnv>,
  Assignable<SimVecEnv, LearnVecEnv>,
  Assignable<SimTaskSpec, LearnTaskSpec>,
  Assignable<SimStepResult, LearnStepResult>,
  Assignable<SimVecStepResult, LearnVecStepResult>,
] = [true, true, true, true, true, true, true, true];

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const thisFile = join(here, 'envContract.test.ts');

/** Type-check `files` (plus `virtual` sources held in memory) with the project's tsconfig. */
function typeErrors(files: readonly string[], virtual: ReadonlyMap<string, string>): string[] {
  const configPath = join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(`envContract: cannot read ${configPath}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root);
  const options = { ...parsed.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (p) => virtual.has(p) || fileExists(p);
  host.getSourceFile = (p, lang, onError, create) => {
    const text = virtual.get(p);
    return text === undefined
      ? getSourceFile(p, lang, onError, create)
      : ts.createSourceFile(p, text, lang);
  };
  const program = ts.createProgram([...files, ...virtual.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe("sim's environments satisfy learn's Env/VecEnv contract", () => {
  test('the TypeScript checker accepts every assignment above, and rejects a drifted VecEnv', () => {
    // A VecEnv whose step() lost `finalObs` (what the truncation bootstrap reads) must not be a
    // learn VecEnv: proof that the check above is not vacuous.
    const drifted = join(here, '__driftedVecEnv.ts');
    const source = [
      "import type { VecEnv } from '../../src/learn/index.js';",
      "import type { VecEnv as SimVecEnv, VecStepResult } from '../../sim/index.js';",
      "type Drifted = Omit<SimVecEnv, 'step'> & {",
      "  step(a: Float64Array): Promise<Omit<VecStepResult, 'finalObs'>>;",
      '};',
      'export function asLearn(v: Drifted): VecEnv {',
      '  return v;',
      '}',
    ].join('\n');
    const errors = typeErrors([thisFile], new Map([[drifted, source]]));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', /finalObs/);
  });

  test('a MujocoEnv and a vectorised env run through the learner-facing types', async () => {
    const env: LearnEnv = await makeEnv('inverted-pendulum');
    const obs = env.reset(3);
    assert.equal(obs.length, env.spec.obsSize);
    const step: LearnStepResult = env.step(new Float64Array(env.spec.actionSize));
    assert.equal(step.obs.length, env.spec.obsSize);
    assert.equal(typeof step.reward, 'number');
    env.close();

    const vec: LearnVecEnv = await makeVecEnv('inverted-pendulum', { numEnvs: 2 });
    const first = await vec.reset(3);
    assert.equal(first.length, 2 * vec.spec.obsSize);
    const res = await vec.step(new Float64Array(2 * vec.spec.actionSize));
    assert.equal(res.rewards.length, 2);
    assert.equal(res.finalObs.length, 2 * vec.spec.obsSize);
    await vec.close();
  });
});
