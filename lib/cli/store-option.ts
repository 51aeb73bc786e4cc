/**
 * `--store <file>` on every command that reads or writes the results store. sweep and import-butter-e named it
 * `--out`, export `--from`, first; those flags stay as they are and `--store` is another name for them.
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { MlpEnergyError } from '../errors.js';

/** The command's own name for the store: its option's attribute, `out` for `--out`, `from` for `--from`. */
export type StoreFlag = 'out' | 'from';

/**
 * `--store <file>`, for `.addOption` beside the command's own store flag. It has no default of its own: the own flag
 * keeps the default, so an explicit `--store` can be told from a path nobody typed.
 */
export function storeOption(flag: StoreFlag): Option {
  return new Option('--store <file>', `results store (same as --${flag})`);
}

/** Whether the user gave this option (on the command line, or any source but commander's default). */
function given(command: Command, name: string): boolean {
  const source = command.getOptionValueSource(name);
  return source !== undefined && source !== 'default';
}

/**
 * The store path the user chose: `--store` or the own flag, whichever was given, else the own flag's default.
 * Both given must name the same file; two different files is an INVALID_OPTION rather than one silently winning.
 */
export function chosenStore(command: Command, flag: StoreFlag): string {
  const options = command.opts<Record<string, string | undefined>>();
  const own = options[flag];
  const store = options.store;
  if (!given(command, 'store') || store === undefined) return own!;
  if (given(command, flag) && own !== undefined && resolve(own) !== resolve(store)) {
    throw new MlpEnergyError('INVALID_OPTION', `--store ${JSON.stringify(store)} and --${flag} ${JSON.stringify(own)} name two different stores; they are the same option, so pass one of them.`);
  }
  return store;
}

/** Where the commands that read a store tell the user it was a snapshot (stderr: stdout may be JSON). */
export function noticeOnStderr(text: string): void {
  process.stderr.write(`${text}\n`);
}
