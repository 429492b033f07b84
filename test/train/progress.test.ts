/** Progress rendering: the bar's fields, the ETA arithmetic, duration formatting. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { etaSeconds, formatDuration, renderBar } from '../../src/train/progress.js';

const base = {
  iteration: 10,
  steps: 25_000,
  totalSteps: 100_000,
  meanReturn: 123.456,
  stepsPerSec: 2500,
  elapsed: 10,
  startSteps: 5_000,
};

describe('progress', () => {
  test('ETA = remaining steps / speed of this process (20k steps in 10 s → 75k in 37.5 s)', () => {
    assert.equal(etaSeconds(base), 37.5);
    assert.ok(Number.isNaN(etaSeconds({ ...base, steps: 5_000 })));
    assert.equal(etaSeconds({ ...base, steps: 100_352 }), 0); // overshoot by a partial rollout
  });

  test('durations', () => {
    assert.equal(formatDuration(12.4), '12s');
    assert.equal(formatDuration(185), '3m05s');
    assert.equal(formatDuration(3720), '1h02m');
    assert.equal(formatDuration(Number.NaN), '?');
  });

  test('the bar shows steps, percentage, return, steps/s and ETA', () => {
    const line = renderBar({ ...base, evalReturn: 1000 }, 20);
    assert.match(
      line,
      /^█{5}░{15} {2}25\.0% 25000\/100000 steps \| it 10 \| return 123\.46 eval 1000\.00 \| 2500 steps\/s \| ETA 38s$/,
    );
    assert.match(renderBar({ ...base, meanReturn: null }), /return — /);
  });
});
