/**
 * metrics.jsonl: the zod schema of a line, torn-line tolerance, resume truncation; and the SVG
 * learning curve drawn from the lines (ticks, labels, well-formed document).
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MetricsLineSchema,
  appendMetricsLine,
  readMetrics,
  truncateMetrics,
} from '../../src/train/metrics.js';
import type { MetricsLine } from '../../src/train/metrics.js';
import { formatTick, learningCurveSvg, niceTicks } from '../../src/train/plot.js';

export function sampleLine(iteration: number, extra: Partial<MetricsLine> = {}): MetricsLine {
  return {
    iteration,
    steps: iteration * 2048,
    episodeReturnMean: 10 * iteration,
    episodeReturnMin: 5 * iteration,
    episodeReturnMax: 20 * iteration,
    episodeCount: 12,
    episodeLengthMean: 40,
    successRate: null,
    finalDistanceMean: null,
    kl: 0.008,
    entropy: 1.4,
    valueLoss: 3.2,
    explainedVariance: 0.5,
    lineSearchAccepted: true,
    lineSearchSteps: 1,
    stepsPerSec: 2500,
    rolloutSeconds: 0.3,
    updateSeconds: 0.5,
    wallTime: 0.8 * iteration,
    ...extra,
  };
}

describe('metrics schema', () => {
  test('accepts a full line and one with an evaluation', () => {
    assert.ok(MetricsLineSchema.safeParse(sampleLine(1)).success);
    assert.ok(
      MetricsLineSchema.safeParse(sampleLine(2, { evalReturn: 1000, evalSuccessRate: null }))
        .success,
    );
  });
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing field', { kl: undefined }, /kl/],
    ['unknown field', { klDivergence: 0.1 }, /klDivergence/],
    ['non-integer iteration', { iteration: 1.5 }, /iteration/],
    ['NaN statistic', { entropy: Number.NaN }, /entropy/],
    ['negative steps/s', { stepsPerSec: -1 }, /stepsPerSec/],
  ];
  for (const [name, patch, pattern] of bad) {
    test(`rejects: ${name}`, () => {
      const line: Record<string, unknown> = { ...sampleLine(1), ...patch };
      for (const k of Object.keys(patch)) if (patch[k] === undefined) delete line[k];
      const r = MetricsLineSchema.safeParse(line);
      assert.equal(r.success, false);
      assert.match(JSON.stringify(r.error?.issues), pattern);
    });
  }
});

describe('metrics file', () => {
  test('append, read, drop a torn last line, truncate for resume', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tp-metrics-')), 'metrics.jsonl');
    for (let i = 1; i <= 5; i++) appendMetricsLine(path, sampleLine(i));
    appendFileSync(path, '{"iteration": 6, "st'); // torn by a kill
    assert.deepEqual(
      readMetrics(path).map((l) => l.iteration),
      [1, 2, 3, 4, 5],
    );
    const kept = truncateMetrics(path, 3);
    assert.equal(kept.length, 3);
    assert.equal(readFileSync(path, 'utf8').split('\n').length, 4); // 3 lines + final newline
    appendMetricsLine(path, sampleLine(4));
    assert.deepEqual(
      readMetrics(path).map((l) => l.iteration),
      [1, 2, 3, 4],
    );
  });

  test('truncation refuses a file missing iterations before the checkpoint', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tp-metrics-')), 'metrics.jsonl');
    appendMetricsLine(path, sampleLine(1));
    assert.throws(
      () => truncateMetrics(path, 3),
      /has 1 iterations, the checkpoint is at iteration 3/,
    );
  });

  test('a malformed line in the middle is an error naming the line', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tp-metrics-')), 'metrics.jsonl');
    writeFileSync(
      path,
      `${JSON.stringify(sampleLine(1))}\nnot json\n${JSON.stringify(sampleLine(2))}\n`,
    );
    assert.throws(() => readMetrics(path), /metrics\.jsonl: line 2 is not JSON/);
  });
});

describe('learning curve SVG', () => {
  test('niceTicks uses 1-2-5 steps covering the range', () => {
    assert.deepEqual(niceTicks(0, 100000, 5), [0, 20000, 40000, 60000, 80000, 100000]);
    assert.deepEqual(niceTicks(-4.7, -3.1, 4), [-5, -4.5, -4, -3.5, -3]);
    assert.deepEqual(niceTicks(0, 143360, 6), [0, 50000, 100000, 150000]);
    assert.deepEqual(niceTicks(0, 1000, 5), [0, 200, 400, 600, 800, 1000]);
    assert.ok(niceTicks(5, 5).length >= 2); // degenerate range still gets an axis
  });

  test('tick labels are short', () => {
    assert.equal(formatTick(100000), '100k');
    assert.equal(formatTick(1500000), '1.5M');
    assert.equal(formatTick(-4.5), '-4.5');
    assert.equal(formatTick(0), '0');
    assert.equal(formatTick(950), '950');
  });

  test('the curve has axes, labels, a training line and an eval line', () => {
    const lines = [
      sampleLine(1),
      sampleLine(2, { evalReturn: 30 }),
      sampleLine(3),
      sampleLine(4, { evalReturn: 45 }),
    ];
    const svg = learningCurveSvg(lines, 'pendulum <trpo>');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.match(svg, />environment steps</);
    assert.match(svg, />episode return</);
    assert.match(svg, /pendulum &lt;trpo&gt;/); // escaped title
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2); // training + eval
    assert.match(svg, /<polygon /); // min-max band
    // Balanced tags: every opened <svg> closed, no stray '<' inside attribute values.
    assert.equal((svg.match(/<svg/g) ?? []).length, (svg.match(/<\/svg>/g) ?? []).length);
    // Episode returns with no finished episode leave a gap instead of a zero.
    const gap = learningCurveSvg(
      [sampleLine(1), sampleLine(2, { episodeReturnMean: null }), sampleLine(3)],
      't',
    );
    assert.equal((gap.match(/<circle /g) ?? []).length, 2);
  });
});
