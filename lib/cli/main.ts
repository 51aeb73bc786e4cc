#!/usr/bin/env node
/** The CLI entry registers commands and nothing else; each command lives in commands/<name>.ts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../native.js';
import { exitQuietlyWhenOutputCloses } from './closed-output.js';
import { EXIT, withExitCode } from './commands/exit-codes.js';
import { commands } from './commands/index.js';

exitQuietlyWhenOutputCloses();

const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };

const program = new Command('mlp-energy')
  .description('Measure and model the energy of training dense fully connected networks (BUTTER-E).')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .enablePositionalOptions()
  // Commander's own usage errors (unknown option, bad choice, missing argument) are thrown, to exit 2 as the
  // commands' help says invalid options do; subcommands inherit this.
  .exitOverride();

for (const register of commands) register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // Commander has printed its message (and help); --help and --version end here with exit code 0.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  const e = error as { message?: string; code?: string; exitCode?: number };
  process.stderr.write(`mlp-energy: ${e.message ?? String(error)}${e.code ? ` [${e.code}]` : ''}\n`);
  // Every command's option and spec errors exit 2, a cancelled run 130, the rest 1 (unless a command chose).
  process.exit(typeof e.exitCode === 'number' ? e.exitCode : (withExitCode(error) as { exitCode: number }).exitCode);
});
