// Flat ESLint config: typescript-eslint's recommended rules over src/, sim/, test/ and bench/, plus
// the room rules of issue 14 (eslint-plugin-import-x): no import cycles, no import that bypasses a
// room's index.ts, and layers that point one way. test/lint/layers.test.ts feeds these rules a
// fixture tree with a cycle, a bypass and an upward import, and checks that each one fails.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

// Layers, top to bottom (issue 14). Each layer lists what it may import; importing any other
// layer in this table is an error. `robot` (the URDF/xacro/MJCF importer, issue 15) sits beside
// train: it compiles models through sim and reads config and util; the layers that may import sim
// may import it too.
const CHAIN = 'ros → replay → train → learn → policy → nn → util';
const ORDER = ['ros', 'replay', 'train', 'learn', 'policy', 'nn', 'util'];
const MAY_IMPORT = {
  ros: ['replay', 'train', 'learn', 'policy', 'nn', 'config', 'util', 'sim', 'robot'],
  replay: ['train', 'learn', 'policy', 'nn', 'config', 'util', 'sim', 'robot'],
  train: ['learn', 'policy', 'nn', 'config', 'util', 'sim', 'robot'],
  learn: ['policy', 'nn', 'util'],
  policy: ['nn', 'util'],
  nn: ['util'],
  config: ['learn', 'policy', 'util'],
  sim: ['config', 'util'],
  robot: ['config', 'util', 'sim'],
  util: [],
};
// Where each layer lives, relative to the repository root.
const LAYER_DIR = Object.fromEntries(
  Object.keys(MAY_IMPORT).map((layer) => [layer, layer === 'sim' ? 'sim' : `src/${layer}`]),
);

// Inside src/ros the subrooms are layered too: cli → nodes → control, transport → timing.
// control/ is pure (matching, observation, policy, safety), so it never imports transport/.
const ROS_SUBROOMS = ['transport', 'timing', 'control', 'nodes', 'cli'];
const ROS_MAY_IMPORT = {
  cli: ['nodes', 'control', 'transport', 'timing'],
  nodes: ['control', 'transport', 'timing'],
  control: ['timing'],
  transport: ['timing'],
  timing: [],
};

/** Sub-directories of `dir` (relative to root), or [] when it does not exist. */
function subdirs(root, dir) {
  try {
    return readdirSync(join(root, dir))
      .filter((name) => statSync(join(root, dir, name)).isDirectory())
      .map((name) => `${dir}/${name}`);
  } catch {
    return [];
  }
}

/**
 * Rooms: directories whose files other rooms reach only through the room's index.ts. Each ros
 * subroom is a room of its own. Directories found on disk under src/ and src/ros/ count too, so a
 * new room is guarded before anyone lists it here.
 */
function roomDirs(root) {
  const listed = [
    ...Object.values(LAYER_DIR).filter((dir) => dir !== 'src/ros'),
    ...ROS_SUBROOMS.map((sub) => `src/ros/${sub}`),
  ];
  const found = [...subdirs(root, 'src'), ...subdirs(root, 'src/ros')].filter(
    (dir) => dir !== 'src/ros',
  );
  return [...new Set([...listed, ...found])].sort();
}

function layerMessage(from, to, allowed, chain) {
  const below =
    ORDER.includes(from) && ORDER.includes(to) && ORDER.indexOf(to) < ORDER.indexOf(from);
  const why = below ? `${from} is below ${to}; ` : `${from} may not import ${to}; `;
  const may = allowed.length > 0 ? allowed.join(', ') : 'nothing';
  return `${why}layers point one way: ${chain} (${from} imports only: ${may}).`;
}

/**
 * The room rules for a tree rooted at `root` (absolute). The project lints itself with
 * repoRoot; test/lint/layers.test.ts applies the same rules to a fixture tree.
 */
export function roomRules(root) {
  const rooms = roomDirs(root);
  // Code that must use a room's index.ts: every room, src/*.ts (cli.ts), src/ros/*.ts and
  // bench/. test/ is left out on purpose: tests check a room's internals.
  const codeOutside = (room) => [
    ...rooms.filter((dir) => dir !== room),
    `${root}/src/*.ts`,
    `${root}/src/ros/*.ts`,
    'bench',
  ];
  const bypass = rooms.map((room) => ({
    target: codeOutside(room),
    from: room,
    except: ['./index.ts'],
    message: `Import ${room} through ${room}/index.ts (a room's index.ts is its public face).`,
  }));
  // Files left directly in src/ros/ (only index.ts belongs there) are reached through it too.
  bypass.push({
    target: [...rooms.filter((dir) => !dir.startsWith('src/ros/')), `${root}/src/*.ts`, 'bench'],
    from: `${root}/src/ros/*.ts`,
    except: [`${root}/src/ros/index.{ts,js}`],
    message: 'Import src/ros through src/ros/index.ts or a subroom index.ts.',
  });

  const layers = [];
  for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
    for (const other of Object.keys(MAY_IMPORT)) {
      if (other === layer || allowed.includes(other)) continue;
      layers.push({
        target: LAYER_DIR[layer],
        from: LAYER_DIR[other],
        message: layerMessage(layer, other, allowed, CHAIN),
      });
    }
  }
  for (const [sub, allowed] of Object.entries(ROS_MAY_IMPORT)) {
    for (const other of ROS_SUBROOMS) {
      if (other === sub || allowed.includes(other)) continue;
      layers.push({
        target: `src/ros/${sub}`,
        from: `src/ros/${other}`,
        message: layerMessage(
          `ros/${sub}`,
          `ros/${other}`,
          allowed,
          'cli → nodes → control, transport → timing',
        ),
      });
    }
  }

  return [
    {
      files: ['**/*.ts'],
      plugins: { 'import-x': importX },
      settings: {
        // import-x only follows (and parses) files with these extensions; without .ts, no-cycle
        // sees no module graph and passes everything.
        'import-x/extensions': ['.ts', '.js', '.mjs'],
        'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
        'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
        // Imports are written `./x.js` (NodeNext); the TypeScript resolver maps them to `./x.ts`.
        'import-x/resolver-next': [
          createTypeScriptImportResolver({ project: join(root, 'tsconfig.json') }),
        ],
      },
      rules: {
        // Type-only imports are skipped by no-cycle (they vanish at run time); the layer zones
        // below still catch a type import that points up.
        'import-x/no-cycle': 'error',
        'import-x/no-restricted-paths': [
          'error',
          { basePath: root, zones: [...bypass, ...layers] },
        ],
      },
    },
  ];
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'runs/**',
      '.ros/**',
      '**/.venv*/**',
      'ros2/**',
      // A tree that breaks the room rules on purpose; test/lint/layers.test.ts lints it.
      'test/lint/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...roomRules(repoRoot.replace(/\/$/, '')),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
