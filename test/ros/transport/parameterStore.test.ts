import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ParameterStore } from '../../../src/ros/transport/parameterStore.js';
import type { ParameterSpec } from '../../../src/ros/transport/transport.js';

const SPECS: readonly ParameterSpec[] = [
  {
    name: 'rate',
    type: 'double',
    default: 100,
    description: '',
    range: { from: 1, to: 1000 },
    readOnly: false,
  },
  {
    name: 'count',
    type: 'integer',
    default: 3,
    description: '',
    range: { from: 0, to: 10 },
    readOnly: false,
  },
  {
    name: 'mode',
    type: 'string',
    default: 'sim',
    description: '',
    choices: ['sim', 'real'],
    readOnly: true,
  },
  { name: 'armed', type: 'bool', default: false, description: '', readOnly: false },
];

function store(overrides: Record<string, boolean | number | string> = {}): ParameterStore {
  const s = new ParameterStore('node_a', overrides);
  for (const spec of SPECS) s.declare(spec);
  return s;
}

describe('ParameterStore', () => {
  test('declare: override, else default', () => {
    const s = store({ rate: 250 });
    assert.equal(s.get('rate'), 250);
    assert.equal(s.get('count'), 3);
  });

  const badOverrides: [Record<string, boolean | number | string>, RegExp][] = [
    [{ rate: 0.5 }, /node_a: parameter override 'rate' = 0.5: out of range \[1, 1000\]/],
    [{ count: 2.5 }, /'count' = 2.5: expected an integer/],
    [{ mode: 'fast' }, /'mode' = "fast": expected one of sim, real/],
    [{ armed: 'yes' }, /'armed' = "yes": expected a bool/],
    [{ rate: NaN }, /'rate' = null: expected a finite double/],
  ];
  for (const [overrides, message] of badOverrides) {
    test(`a bad override is refused at declaration: ${JSON.stringify(overrides)}`, () => {
      assert.throws(() => store(overrides), message);
    });
  }

  test('declaring twice is refused', () => {
    const s = store();
    assert.throws(
      () => s.declare(SPECS[0] as ParameterSpec),
      /node_a: parameter 'rate' declared twice/,
    );
  });

  test('set: undeclared, read-only and out-of-range changes are refused, nothing applied', () => {
    const s = store();
    const cases: [string, boolean | number | string, RegExp][] = [
      ['nope', 1, /parameter 'nope' is not declared/],
      ['mode', 'real', /parameter 'mode' is read-only/],
      ['rate', 5000, /'rate' = 5000: out of range/],
    ];
    for (const [name, value, reason] of cases) {
      const r = s.set([
        { name: 'count', value: 4 },
        { name, value },
      ]);
      assert.equal(r.successful, false);
      assert.match(r.reason, reason);
      assert.equal(s.get('count'), 3, 'an atomic set applies nothing when one change fails');
    }
    assert.throws(() => s.get('nope'), /node_a: parameter 'nope' is not declared/);
  });

  test('set: the on-set callbacks see the changes and may refuse them', () => {
    const s = store();
    const seen: string[] = [];
    s.onSet((changes) => {
      seen.push(changes.map((c) => `${c.name}=${String(c.value)}`).join(','));
      return changes.some((c) => c.name === 'armed' && c.value === true)
        ? { successful: false, reason: 'not now' }
        : { successful: true, reason: '' };
    });
    assert.deepEqual(s.set([{ name: 'rate', value: 50 }]), { successful: true, reason: '' });
    assert.equal(s.get('rate'), 50);
    assert.deepEqual(s.set([{ name: 'armed', value: true }]), {
      successful: false,
      reason: 'not now',
    });
    assert.equal(s.get('armed'), false);
    assert.deepEqual(seen, ['rate=50', 'armed=true']);
  });

  test("check with 'skip' leaves parameters another layer owns (use_sim_time) alone", () => {
    const s = store();
    assert.equal(s.check([{ name: 'use_sim_time', value: true }], 'skip').successful, true);
    assert.equal(s.check([{ name: 'use_sim_time', value: true }]).successful, false);
  });
});
