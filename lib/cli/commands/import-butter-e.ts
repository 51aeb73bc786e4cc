/** `mlp-energy import-butter-e FILE…`: load the published BUTTER-E CSVs into the store's runs table. */
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { butterECsvFile, importButterE, skipSummary, type EnergyUnit } from '../../store/butter-e.js';
import { DEFAULT_STORE, ResultStore } from '../../store/store.js';
import { chosenStore, storeOption } from '../store-option.js';
import { withExitCode, type Output } from './exit-codes.js';

export interface ImportOptions {
  out?: string;
  energyUnit?: EnergyUnit;
  json?: boolean;
}

export async function importButterECommand(files: readonly string[], options: ImportOptions, io: { stdout: Output }): Promise<number> {
  // Every file is checked before the store is opened: a failing import creates no store.
  const paths = files.map(butterECsvFile);
  const target = resolve(options.out ?? DEFAULT_STORE);
  const created = !existsSync(target);
  const store = await ResultStore.open(target);
  let imported = 0;
  try {
    for (const file of paths) {
      const result = await importButterE(store, file, { energyUnit: options.energyUnit });
      imported++;
      const skipped = skipSummary(result);
      io.stdout.write(options.json ? JSON.stringify({ ...result, store: store.path }) + '\n'
        : `${result.file}: ${result.rows} run${result.rows === 1 ? '' : 's'} imported into ${store.path} (${result.withEnergy} with energy${result.energyUnit === 'kWh' ? ', converted from kWh' : ''})${skipped ? `; ${skipped}` : ''}\n`);
    }
  } finally {
    store.close();
    // A store this command created for a first file that failed holds nothing: leave no file behind.
    if (created && imported === 0) {
      for (const file of [target, `${target}.wal`]) rmSync(file, { force: true });
    }
  }
  return 0;
}

export function register(program: Command): void {
  program
    .command('import-butter-e')
    .description('Import BUTTER-E\'s butter_e_metadata.csv and/or runs_with_standardized_energy.csv (https://data.openei.org/submissions/5991) into the runs table.')
    .argument('<files...>', 'the unzipped CSV file(s)')
    .option('--out <file>', 'results store', DEFAULT_STORE)
    .addOption(storeOption('out'))
    .addOption(new Option('--energy-unit <unit>', 'unit of the energy column; auto decides from the implied power').choices(['auto', 'J', 'kWh']).default('auto'))
    .option('--json', 'print one JSON line per file')
    .addHelpText('after', '\nRuns are stored with run_id "butter-e:<run_id>" and source = \'butter-e\'; importing again replaces them.\n'
      + 'Widths, parameter counts, FLOPs and working sets are derived from BUTTER\'s networks for the 13 datasets. Invalid rows\n'
      + '(unknown dataset or shape, non-integer size or depth, ...) and networks BUTTER could not build are skipped and counted by reason.\n'
      + 'Exit codes: 0 imported, 1 error (the message names the file and the problem; also when no row of a file is valid), 2 invalid options or a missing file.')
    .action(async (files: string[], options: ImportOptions, self: Command) => {
      try {
        process.exitCode = await importButterECommand(files, { ...options, out: chosenStore(self, 'out') }, { stdout: process.stdout });
      } catch (error) {
        throw withExitCode(error);
      }
    });
}
