/**
 * Loads the compiled addon once. The typed contract of everything it exports lives in
 * `native-types.ts`; this file only finds the binary and explains how to build it when it is absent.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlpEnergyError } from './errors.js';
import type { NativeAddon } from './native-types.js';

const require = createRequire(import.meta.url);

/** The package root: two levels up from dist/lib, one from lib. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('mlp-energy: cannot find package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

function candidates(): string[] {
  const root = packageRoot();
  const list = [
    join(root, 'build', 'Release', 'mlp_energy.node'), // cmake-js
    join(root, 'build', 'Debug', 'mlp_energy.node'),
  ];
  if (process.env.MLP_ENERGY_ADDON) list.unshift(resolve(process.env.MLP_ENERGY_ADDON));
  return list;
}

let cached: NativeAddon | undefined;

export function native(): NativeAddon {
  if (cached) return cached;
  const tried = candidates();
  for (const path of tried) {
    if (existsSync(path)) {
      cached = require(path) as NativeAddon;
      return cached;
    }
  }
  throw new MlpEnergyError(
    'ADDON_NOT_BUILT',
    `mlp-energy's native addon is not built (looked in ${tried.join(', ')}). ` +
      'In a project that depends on mlp-energy run `npm rebuild mlp-energy` (npm 11 skips unapproved install ' +
      'scripts: see README, "Use it in your project"); in a clone of mlp-energy run `npm ci` (or `npx cmake-js ' +
      'compile`). The build needs cmake ≥ 3.18 and a C++17 compiler.',
  );
}
