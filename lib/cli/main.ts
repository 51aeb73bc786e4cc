#!/usr/bin/env node
/** The CLI entry registers commands and nothing else; each command lives in commands/<name>.ts. */
import { Command } from 'commander';
import { exitQuietlyWhenOutputCloses } from './closed-output.js';
import { commands } from './commands/index.js';

exitQuietlyWhenOutputCloses();

const program = new Command('mlp-energy')
  .description('Measure and model the energy of training dense fully connected networks (BUTTER-E).')
  .showHelpAfterError()
  .enablePositionalOptions();

for (const register of commands) register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const e = error as { message?: string; code?: string; exitCode?: number };
  process.stderr.write(`mlp-energy: ${e.message ?? String(error)}${e.code ? ` [${e.code}]` : ''}\n`);
  process.exit(typeof e.exitCode === 'number' ? e.exitCode : 1);
});
