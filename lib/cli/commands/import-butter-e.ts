/** `mlp-energy import-butter-e FILE…`: load the published BUTTER-E CSVs into the store's runs table. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { importButterE, type EnergyUnit } from '../../store/butter-e.js';
import { DEFAULT_STORE, ResultStore } from '../../store/store.js';
import { chosenStore, storeOption } from '../store-option.js';
import { withExitCode, type Output } from './exit-codes.js';

export interface ImportOptions {
  out?: string;
  energyUnit?: EnergyUnit;
  json?: boolean;
}

export async function importButterECommand(files: readonly string[], options: ImportOptions, io: { stdout: Output }): Promise<number> {
  const store = await ResultStore.open(options.out ?? DEFAULT_STORE);
  try {
    for (const file of files) {
      const result = await importButterE(store, file, { energyUnit: options.energyUnit });
      io.stdout.write(options.json ? JSON.stringify({ ...result, store: store.path }) + '\n'
        : `${result.file}: ${result.rows} runs imported into ${store.path} (${result.withEnergy} with energy${result.energyUnit === 'kWh' ? ', converted from kWh' : ''})\n`);
    }
  } finally {
    store.close();
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
    .addHelpText('after', '\nRuns are stored with run_id "butter-e:<run_id>" and source = \'butter-e\'; importing again replaces them.\nExit codes: 0 imported, 1 error (the message names the file and the problem), 2 invalid options.')
    .action(async (files: string[], options: ImportOptions, self: Command) => {
      try {
        process.exitCode = await importButterECommand(files, { ...options, out: chosenStore(self, 'out') }, { stdout: process.stdout });
      } catch (error) {
        throw withExitCode(error);
      }
    });
}
