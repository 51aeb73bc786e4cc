/**
 * What opening a results store will create (the file, its WAL, the folders above it), noted before a command opens
 * it, so that a command that fails having stored nothing leaves nothing behind. A store that existed is never removed.
 */
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface StoreFootprint {
  readonly path: string;
  readonly existed: boolean;
  /** The folders above the store that do not exist yet, innermost first. */
  readonly newDirs: readonly string[];
}

/** Call before ResultStore.open(path). */
export function footprintBefore(path: string): StoreFootprint {
  const full = resolve(path);
  const newDirs: string[] = [];
  for (let dir = dirname(full); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) newDirs.push(dir);
  return { path: full, existed: existsSync(full), newDirs };
}

/** After the store is closed: removes what opening it created; nothing when it existed before. */
export function removeCreated(footprint: StoreFootprint): void {
  if (footprint.existed) return;
  for (const file of [footprint.path, `${footprint.path}.wal`]) rmSync(file, { force: true });
  // Innermost first; one that something else wrote into since stays, and so do those above it.
  for (const dir of footprint.newDirs) {
    try {
      rmdirSync(dir);
    } catch {
      break;
    }
  }
}
