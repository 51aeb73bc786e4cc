/**
 * `mlp-energy export --parquet DIR`: every table of the store as Parquet, one file per table. The tables that only
 * some stores have (tuning's tunings and tuning_grid, merge's slurm_tasks) go too when present, else are listed as
 * skipped with the reason.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MlpEnergyError, unwritable } from '../../errors.js';
import { DEFAULT_STORE, ResultStore } from '../../store/store.js';
import { TUNE_TABLES } from '../../tune/grid-store.js';
import { chosenStore, noticeOnStderr, storeOption } from '../store-option.js';
import { withExitCode, type Output } from './exit-codes.js';

/** Tables a store has only after some command wrote them, with why one would be missing. */
const OPTIONAL_TABLES: ReadonlyArray<{ table: string; reason: string }> = [
  ...TUNE_TABLES.map((table) => ({ table, reason: 'not in the store (nothing tuned into it)' })),
  { table: 'slurm_tasks', reason: 'not in the store (only `mlp-energy merge` of a Slurm job writes it)' },
];

export interface ExportOptions {
  parquet?: string;
  from?: string;
  json?: boolean;
}

export async function exportCommand(options: ExportOptions, io: { stdout: Output }): Promise<number> {
  if (!options.parquet) throw new MlpEnergyError('INVALID_OPTION', 'Nothing to export to: give --parquet DIR.');
  const from = resolve(options.from ?? DEFAULT_STORE);
  const store = await ResultStore.openExisting(from, '--from (or --store)');
  const note = store.snapshotNote();
  if (note) noticeOnStderr(note);
  try {
    const present: string[] = [];
    for (const { table } of OPTIONAL_TABLES) if (await store.hasTable(table)) present.push(table);
    const skipped = OPTIONAL_TABLES.filter(({ table }) => !present.includes(table));
    let files: string[];
    try {
      files = await store.exportParquet(options.parquet, present);
    } catch (error) {
      throw unwritable('--parquet', options.parquet, error);
    }
    const counts = await Promise.all(files.map(async (f) => (await store.query(`SELECT count(*) AS n FROM read_parquet('${f.replace(/'/g, "''")}')`))[0].n as number));
    if (options.json) io.stdout.write(JSON.stringify({ store: from, files: files.map((file, i) => ({ file, rows: counts[i] })), skipped }) + '\n');
    else {
      files.forEach((f, i) => io.stdout.write(`${f}\t${counts[i]} rows\n`));
      for (const s of skipped) io.stdout.write(`${s.table}: ${s.reason}, skipped\n`);
    }
  } finally {
    store.close();
  }
  return 0;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('Export the results store as Parquet, one file per table (runs, epochs, idle_calibrations, hardware, power_traces, experiments, and tunings, tuning_grid and slurm_tasks when the store has them).')
    .option('--parquet <dir>', 'directory to write the .parquet files into (created if absent)')
    .option('--from <file>', 'results store', DEFAULT_STORE)
    .addOption(storeOption('from'))
    .option('--json', 'print the files written as JSON')
    .addHelpText('after', '\nExit codes: 0 written, 1 error, 2 invalid options.\nExample: mlp-energy export --parquet out/ && python -c "import pandas; print(pandas.read_parquet(\'out/runs.parquet\'))"')
    .action(async (options: ExportOptions, self: Command) => {
      try {
        process.exitCode = await exportCommand({ ...options, from: chosenStore(self, 'from') }, { stdout: process.stdout });
      } catch (error) {
        throw withExitCode(error);
      }
    });
}
