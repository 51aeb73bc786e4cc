/**
 * A point-in-time copy of a results store that another process holds open. DuckDB lets one process open a file
 * (a sweep holds its store for its whole run), so a command that only reads (fit, report, export) reads a copy of
 * the file and its write-ahead log instead, which DuckDB opens as after a crash: every committed run, none
 * half-written. Copying only reads the files, so the writer is never disturbed.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export interface StoreSnapshot {
  /** The store copied. */
  readonly of: string;
  /** The copy. */
  readonly path: string;
  readonly takenAt: Date;
}

// A write (a run's transaction, a checkpoint moving the log into the file) landing between the two copies would pair
// a file and a log of different moments; the copy is kept only when neither changed while it was taken.
const ATTEMPTS = 20;
const RETRY_MS = 50;

/** Null when the store kept changing through every attempt (a write every few ms). */
export function copyStore(file: string): StoreSnapshot | null {
  const dir = mkdtempSync(join(tmpdir(), 'mlpe-snapshot-'));
  const path = join(dir, basename(file));
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const before = stamp(file);
      copyFileSync(file, path);
      rmSync(`${path}.wal`, { force: true });
      const logCopied = copyIfPresent(`${file}.wal`, `${path}.wal`);
      if (logCopied && stamp(file) === before) return { of: file, path, takenAt: new Date() };
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  rmSync(dir, { recursive: true, force: true });
  return null;
}

export function removeSnapshot(snapshot: StoreSnapshot): void {
  rmSync(dirname(snapshot.path), { recursive: true, force: true });
}

/** The file's modification time and size, and its log's ('none' without one). */
function stamp(file: string): string {
  const part = (f: string) => {
    try {
      const s = statSync(f, { bigint: true });
      return `${s.mtimeNs}:${s.size}`;
    } catch {
      return 'none';
    }
  };
  return `${part(file)}|${part(`${file}.wal`)}`;
}

/** False when the log went away between looking and copying (a checkpoint): the attempt is retried. */
function copyIfPresent(from: string, to: string): boolean {
  if (!existsSync(from)) return true;
  try {
    copyFileSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
