/**
 * Issue 10's "figures to reach", as ratios computed from one run of the bench. A target whose
 * inputs are missing (a side or a configuration did not run) has pass = null.
 */
import type { ConfigSummary } from './report.js';
import type { PartsResult } from './types.js';

export interface TargetCheck {
  readonly name: string;
  /** What is compared, in words, with the figures. */
  readonly detail: string;
  readonly ratio: number | null;
  readonly goal: string;
  readonly pass: boolean | null;
}

function find(
  s: readonly ConfigSummary[],
  config: string,
  task: string,
): ConfigSummary | undefined {
  return s.find((x) => x.config === config && x.task === task);
}

const f = (x: number | null | undefined, d = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d);

/**
 * @param summaries per configuration and task (configs `ours-trpo`, `sb3-trpo-1t`, `sb3-ppo8-1t`)
 * @param reacherSb3Seconds SB3 TRPO's mean training seconds to the reacher budget
 * @param parts timed parts, SB3 with 1 thread and ours
 */
export function checkTargets(
  summaries: readonly ConfigSummary[],
  reacherSb3Seconds: number | null,
  reacherBudget: number,
  parts: readonly PartsResult[],
): TargetCheck[] {
  const out: TargetCheck[] = [];
  const oursP = find(summaries, 'ours-trpo', 'pendulum');
  const sb3P = find(summaries, 'sb3-trpo-1t', 'pendulum');
  const ppo8 = find(summaries, 'sb3-ppo8-1t', 'pendulum');
  if (oursP) {
    const ok = oursP.reached === oursP.seeds && (oursP.maxStepsToThreshold ?? Infinity) <= 50_000;
    out.push({
      name: 'pendulum TRPO reaches 1000 within 50k steps',
      detail: `${oursP.reached}/${oursP.seeds} seeds, worst ${f(oursP.maxStepsToThreshold, 0)} steps`,
      ratio: null,
      goal: 'all seeds, <= 50000 steps',
      pass: ok,
    });
  }
  const rT =
    oursP?.meanSecondsToThreshold != null && sb3P?.meanSecondsToThreshold != null
      ? oursP.meanSecondsToThreshold / sb3P.meanSecondsToThreshold
      : null;
  out.push({
    name: 'pendulum TRPO seconds to 1000 vs SB3 TRPO',
    detail: `ours ${f(oursP?.meanSecondsToThreshold)} s, SB3 ${f(sb3P?.meanSecondsToThreshold)} s (means)`,
    ratio: rT,
    goal: '<= 0.333',
    pass: rT === null ? null : rT <= 1 / 3,
  });
  const rP =
    oursP?.meanSecondsToThreshold != null && ppo8?.meanSecondsToThreshold != null
      ? oursP.meanSecondsToThreshold / ppo8.meanSecondsToThreshold
      : null;
  out.push({
    name: 'pendulum TRPO seconds to 1000 vs SB3 PPO 8 envs',
    detail: `ours ${f(oursP?.meanSecondsToThreshold)} s, SB3 PPO x8 ${f(ppo8?.meanSecondsToThreshold)} s`,
    ratio: rP,
    goal: '< 1',
    pass: rP === null ? null : rP < 1,
  });
  const rS = oursP && sb3P ? oursP.meanStepsPerSecond / sb3P.meanStepsPerSecond : null;
  out.push({
    name: 'pendulum end-to-end training steps/s vs SB3 TRPO',
    detail: `ours ${f(oursP?.meanStepsPerSecond, 0)}, SB3 ${f(sb3P?.meanStepsPerSecond, 0)}`,
    ratio: rS,
    goal: '>= 3',
    pass: rS === null ? null : rS >= 3,
  });
  const oursR = find(summaries, 'ours-trpo', 'reacher');
  const sb3R = find(summaries, 'sb3-trpo-1t', 'reacher');
  const key = String(reacherBudget);
  const oR = oursR?.meanReturnAtBudget[key] ?? null;
  const sR = sb3R?.meanReturnAtBudget[key] ?? null;
  out.push({
    name: `reacher TRPO mean return at ${reacherBudget / 1000}k vs SB3 TRPO`,
    detail: `ours ${f(oR, 2)}, SB3 ${f(sR, 2)}`,
    ratio: null,
    goal: 'ours >= SB3',
    pass: oR === null || sR === null ? null : oR >= sR,
  });
  const rR =
    oursR?.meanSecondsToThreshold != null && reacherSb3Seconds
      ? oursR.meanSecondsToThreshold / reacherSb3Seconds
      : null;
  out.push({
    name: "reacher TRPO seconds to SB3's final return vs SB3's seconds",
    detail: `ours ${f(oursR?.meanSecondsToThreshold)} s (${oursR?.reached ?? 0}/${oursR?.seeds ?? 0} seeds), SB3 ${f(reacherSb3Seconds)} s`,
    ratio: rR,
    goal: '<= 0.333',
    pass: rR === null ? null : rR <= 1 / 3 && oursR?.reached === oursR?.seeds,
  });
  const sb3Parts = parts.find((p) => p.side === 'sb3' && p.threads === 1);
  const oursParts = parts.find((p) => p.side === 'ours');
  const ratio = (a?: number, b?: number): number | null =>
    a !== undefined && b !== undefined ? a / b : null;
  const rU = ratio(oursParts?.updateMs, sb3Parts?.updateMs);
  out.push({
    name: 'one TRPO update on 4096 samples vs SB3 (1 thread)',
    detail: `ours ${f(oursParts?.updateMs)} ms, SB3 ${f(sb3Parts?.updateMs)} ms`,
    ratio: rU,
    goal: '<= 1',
    pass: rU === null ? null : rU <= 1,
  });
  const rF = ratio(oursParts?.fvpMs, sb3Parts?.fvpMs);
  // With subsampling (allowed by issue 10), the whole CG solve on the subsample is what counts.
  const oursCg = oursParts?.cgSolveSubsampledMs ?? oursParts?.cgSolveMs;
  const rCg = ratio(oursCg, sb3Parts?.cgSolveMs);
  out.push({
    name: 'Fisher-vector product on 4096 samples (or whole CG solve) vs PyTorch',
    detail: `FVP ours ${f(oursParts?.fvpMs, 2)} ms, SB3 ${f(sb3Parts?.fvpMs, 2)} ms; CG ours ${f(oursCg)} ms${oursParts?.fisherSubsample !== undefined ? ` (subsample ${oursParts.fisherSubsample})` : ''}, SB3 ${f(sb3Parts?.cgSolveMs)} ms`,
    ratio: rF,
    goal: 'FVP <= 1, or CG <= 1',
    pass: rF === null && rCg === null ? null : (rF ?? Infinity) <= 1 || (rCg ?? Infinity) <= 1,
  });
  const fwd = oursParts?.forwardRawUs;
  out.push({
    name: 'control-loop batch-1 forward pass, median',
    detail: `ours ${f(fwd, 2)} us; PyTorch raw ${f(sb3Parts?.forwardRawUs)} us, SB3 predict ${f(sb3Parts?.forwardPredictUs)} us`,
    ratio: null,
    goal: '<= 10 us',
    pass: fwd === undefined ? null : fwd <= 10,
  });
  return out;
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  const mark = (p: boolean | null): string => (p === null ? ' n/a' : p ? 'PASS' : 'FAIL');
  return checks
    .map(
      (c) =>
        `${mark(c.pass)}  ${c.name}: ${c.detail}` +
        (c.ratio === null
          ? ` [goal ${c.goal}]`
          : ` -> ratio ${c.ratio.toFixed(3)} [goal ${c.goal}]`),
    )
    .join('\n');
}
