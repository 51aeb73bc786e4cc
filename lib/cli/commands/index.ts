/** The list of CLI commands; each file exports `register(program)` and a handler callable from code. */
import type { Command } from 'commander';
import { register as registerExport } from './export.js';
import { register as registerImportButterE } from './import-butter-e.js';

export const commands: Array<(program: Command) => void> = [registerExport, registerImportButterE];
