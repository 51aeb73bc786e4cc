/** Exit codes (main.ts applies withExitCode to any command error that set none) and the output sink of sweep, export and import-butter-e. */
// incomplete: `merge` found planned runs still to do, kept apart from usage so job scripts can tell them apart.
export const EXIT = { ok: 0, error: 1, usage: 2, incomplete: 3, stopped: 130 } as const;

/**
 * Spec and option mistakes exit 2, a cancelled run 130, everything else 1 (main.ts reads `exitCode`). A size no
 * network meets (NETWORK_OFF_BUDGET: predict's --size, recommend's --budget, tune's --size) is the user's input too.
 */
export function withExitCode(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'ABORTED') return Object.assign(error as object, { exitCode: EXIT.stopped });
  const usage = code === 'INVALID_SPEC' || code === 'INVALID_OPTION' || code === 'UNKNOWN_OPTION' || code === 'NETWORK_OFF_BUDGET';
  return Object.assign(error as object, { exitCode: usage ? EXIT.usage : EXIT.error });
}

/** Where a command writes (process.stdout, or a collector in tests). */
export interface Output {
  write(text: string): void;
}
