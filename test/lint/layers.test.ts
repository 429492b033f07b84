// The room rules of eslint.config.js (issue 14) fail on what they forbid: a fixture tree in the
// project's layout (test/lint/fixtures/) holds one import cycle in a room, one among test helpers,
// bypasses of a room's index.ts, and imports that point up the layers. Linted with the same
// roomRules() the project uses, each must give exactly its error, and every other file none.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const fixtureRoot = join(repoRoot, 'test', 'lint', 'fixtures');

interface Found {
  readonly file: string;
  readonly line: number;
  readonly ruleId: string | null;
  readonly message: string;
}

interface Expected {
  readonly file: string;
  readonly line: number;
  readonly ruleId: string;
  readonly message: RegExp;
}

const CYCLE = 'import-x/no-cycle';
const ZONE = 'import-x/no-restricted-paths';
const chain = /layers point one way: ros → replay → train → learn → policy → nn → util/;

/** Every error the fixture tree must give, and no other. */
const EXPECTED: readonly Expected[] = [
  // A cycle a → b → a inside one room: both ends report it (`./cycleB.js` resolved to cycleB.ts).
  { file: 'src/learn/cycleA.ts', line: 1, ruleId: CYCLE, message: /Dependency cycle/ },
  { file: 'src/learn/cycleB.ts', line: 1, ruleId: CYCLE, message: /Dependency cycle/ },
  // Tests may reach inside rooms, but not form a cycle.
  { file: 'test/helpers/cycleA.ts', line: 1, ruleId: CYCLE, message: /Dependency cycle/ },
  { file: 'test/helpers/cycleB.ts', line: 1, ruleId: CYCLE, message: /Dependency cycle/ },
  // Bypasses of a room's index.ts.
  {
    file: 'src/train/bypassImport.ts',
    line: 1,
    ruleId: ZONE,
    message: /"\.\.\/policy\/gaussian\.js".*Import src\/policy through src\/policy\/index\.ts/,
  },
  {
    file: 'src/train/simBypass.ts',
    line: 1,
    ruleId: ZONE,
    message: /"\.\.\/\.\.\/sim\/tasks\/reach\.js".*Import sim through sim\/index\.ts/,
  },
  {
    file: 'bench/learn.ts',
    line: 2,
    ruleId: ZONE,
    message: /Import src\/nn through src\/nn\/index\.ts/,
  },
  {
    file: 'src/ros/nodes/subroomBypass.ts',
    line: 1,
    ruleId: ZONE,
    message: /Import src\/ros\/control through src\/ros\/control\/index\.ts/,
  },
  {
    file: 'src/cli.ts',
    line: 3,
    ruleId: ZONE,
    message: /Import src\/ros through src\/ros\/index\.ts or a subroom index\.ts/,
  },
  // Imports that point up, each through the room's index.ts so only the layer rule fires.
  {
    file: 'src/policy/upwardImport.ts',
    line: 1,
    ruleId: ZONE,
    message: new RegExp(`policy is below learn; ${chain.source}`),
  },
  {
    file: 'sim/policyImport.ts',
    line: 1,
    ruleId: ZONE,
    message: /sim may not import policy;.*\(sim imports only: config, util\)/,
  },
  {
    file: 'src/ros/control/transportImport.ts',
    line: 1,
    ruleId: ZONE,
    message: /ros\/control may not import ros\/transport;/,
  },
];

type RoomRules = (root: string) => Linter.Config[];

async function loadRoomRules(): Promise<RoomRules> {
  // eslint.config.js is plain JS outside tsc's view, so it is loaded by URL and typed here.
  const url = pathToFileURL(join(repoRoot, 'eslint.config.js')).href;
  const mod = (await import(url)) as { roomRules?: unknown };
  if (typeof mod.roomRules !== 'function') {
    throw new Error(`loadRoomRules: ${url} does not export a function roomRules`);
  }
  return mod.roomRules as RoomRules;
}

/** Lint the fixture tree with the project's room rules, rooted at the fixture tree. */
async function lintFixtures(): Promise<{ files: string[]; found: Found[] }> {
  const roomRules = await loadRoomRules();
  const eslint = new ESLint({
    cwd: fixtureRoot,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
      ...roomRules(fixtureRoot),
    ],
  });
  const results = await eslint.lintFiles(['.']);
  const files = results.map((r) => relative(fixtureRoot, r.filePath)).sort();
  const found = results.flatMap((r) =>
    r.messages.map((m) => ({
      file: relative(fixtureRoot, r.filePath),
      line: m.line,
      ruleId: m.ruleId,
      message: m.message,
    })),
  );
  return { files, found };
}

const linted = lintFixtures();

function matches(found: Found, expected: Expected): boolean {
  return (
    found.file === expected.file &&
    found.line === expected.line &&
    found.ruleId === expected.ruleId &&
    expected.message.test(found.message)
  );
}

function show(found: readonly Found[]): string {
  return found.map((f) => `${f.file}:${f.line} ${f.ruleId}: ${f.message}`).join('\n');
}

describe('room rules on the fixture tree', () => {
  test('every .ts file of the fixture tree is linted', async () => {
    const { files } = await linted;
    assert.ok(
      files.length >= 30,
      `only ${files.length} fixture files linted:\n${files.join('\n')}`,
    );
    assert.ok(files.includes('src/learn/cycleA.ts') && files.includes('sim/tasks/reach.ts'));
  });

  const groups: readonly [string, (e: Expected) => boolean][] = [
    ['an import cycle fails, in a room and among test files', (e) => e.ruleId === CYCLE],
    [
      "an import that bypasses a room's index.ts fails",
      (e) => e.ruleId === ZONE && /through/.test(e.message.source),
    ],
    [
      'an import that points up the layers fails',
      (e) => e.ruleId === ZONE && !/through/.test(e.message.source),
    ],
  ];
  for (const [name, pick] of groups) {
    test(name, async () => {
      const { found } = await linted;
      const wanted = EXPECTED.filter(pick);
      assert.ok(wanted.length > 0);
      for (const e of wanted) {
        const hits = found.filter((f) => matches(f, e));
        assert.equal(
          hits.length,
          1,
          `expected one ${e.ruleId} at ${e.file}:${e.line} matching ${e.message}; found:\n${show(found)}`,
        );
      }
    });
  }

  test('clean files give no error, and nothing else is reported', async () => {
    const { files, found } = await linted;
    const unexpected = found.filter((f) => !EXPECTED.some((e) => matches(f, e)));
    assert.deepEqual(unexpected, [], `unexpected errors:\n${show(unexpected)}`);
    assert.equal(found.length, EXPECTED.length, show(found));
    const dirty = new Set(EXPECTED.map((e) => e.file));
    const clean = files.filter((f) => !dirty.has(f));
    // Among the clean: a type-only loop, test files that reach inside rooms, src/ros/index.ts
    // through subroom index.ts files, ros nodes → control and transport, sim → util.
    for (const file of [
      'src/learn/typeLoopA.ts',
      'test/policy/gaussianInternals.ts',
      'src/ros/index.ts',
      'src/ros/nodes/policyNode.ts',
      'sim/tasks/reach.ts',
    ]) {
      assert.ok(clean.includes(file), `${file} should be linted and clean`);
    }
  });
});

describe("the project's own config", () => {
  const eslint = new ESLint({ cwd: repoRoot });

  test('carries the same room rules, as errors, for src, sim, bench and test', async () => {
    const roomRules = await loadRoomRules();
    const want = roomRules(repoRoot).find((c) => c.rules !== undefined)?.rules;
    assert.ok(want !== undefined);
    for (const file of [
      'src/cli.ts',
      'sim/index.ts',
      'bench/learn.ts',
      'test/lint/layers.test.ts',
    ]) {
      const config = (await eslint.calculateConfigForFile(join(repoRoot, file))) as {
        rules: Record<string, unknown>;
      };
      for (const rule of [CYCLE, ZONE]) {
        const entry: Linter.RuleEntry | undefined = want[rule];
        const options: unknown[] = Array.isArray(entry) ? entry.slice(1) : [];
        assert.deepEqual(config.rules[rule], [2, ...options], `${rule} in ${file}`);
      }
    }
  });

  test('ignores the fixture tree in `eslint .`', async () => {
    assert.equal(await eslint.isPathIgnored(join(fixtureRoot, 'src/learn/cycleA.ts')), true);
  });

  test('rejects an upward import and a bypass written in the real src/', async () => {
    const utilFile = readdirSync(join(repoRoot, 'src/util')).find(
      (f) => f.endsWith('.ts') && f !== 'index.ts',
    );
    assert.ok(utilFile !== undefined, 'src/util holds a file other than index.ts');
    const code = [
      "import { policyProbe } from '../policy/index.js';",
      `import { utilProbe } from '../util/${utilFile.replace(/\.ts$/, '.js')}';`,
      'export const probe = [policyProbe, utilProbe];',
      '',
    ].join('\n');
    // A file that is not on disk: linted as if it sat in src/nn, the room below policy.
    const [result] = await eslint.lintText(code, { filePath: join(repoRoot, 'src/nn/probe.ts') });
    assert.ok(result !== undefined);
    const zone = result.messages.filter((m) => m.ruleId === ZONE);
    assert.equal(zone.length, 2, show(zone.map((m) => ({ file: 'probe', ...m }))));
    assert.match(zone[0]?.message ?? '', /nn is below policy; layers point one way/);
    assert.match(zone[1]?.message ?? '', /Import src\/util through src\/util\/index\.ts/);
  });
});
