import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchArgs, numberArg, numberListArg } from '../../bench/benchArgs.js';

test('benchArgs: defaults, values and flags; unknown options and missing values are refused', () => {
  const opts = {
    seeds: { type: 'string', default: '0' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  } as const;
  assert.deepEqual({ ...benchArgs('b', opts, []) }, { seeds: '0' });
  assert.deepEqual(
    { ...benchArgs('b', opts, ['--seeds', '1,2', '--json', '--out=x']) },
    {
      seeds: '1,2',
      json: true,
      out: 'x',
    },
  );
  assert.throws(() => benchArgs('b', opts, ['--sed', '1']), /bench\/b: Unknown option '--sed'/);
  assert.throws(() => benchArgs('b', opts, ['--out']), /bench\/b: .*--out/);
  assert.throws(() => benchArgs('b', opts, ['stray']), /bench\/b: .*stray/);
});

test('numberArg and numberListArg: the rule is enforced and the error names bench, option and value', () => {
  assert.equal(numberArg('b', 'steps', '4096', { integer: true, min: 1 }), 4096);
  assert.equal(numberArg('b', 'stop', 'Infinity'), Infinity);
  assert.throws(
    () => numberArg('b', 'steps', '1.5', { integer: true }),
    /bench\/b: --steps = '1\.5': expected an integer/,
  );
  assert.throws(() => numberArg('b', 'domain', '50', { min: 51, max: 99 }), /≥ 51 ≤ 99/);
  assert.throws(() => numberArg('b', 'x', ''), /--x = '': expected a number/);
  assert.equal(numberArg('b', 'duration', '0.5', { positive: true }), 0.5);
  assert.throws(
    () => numberArg('b', 'duration', '0', { positive: true }),
    /--duration = '0': expected a positive number/,
  );
  assert.deepEqual(numberListArg('b', 'seeds', '0,1,2', { integer: true }), [0, 1, 2]);
  assert.throws(() => numberListArg('b', 'seeds', '0,,2'), /--seeds = ''/);
});
