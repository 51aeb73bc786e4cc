/** The list of CLI commands; each file exports `register(program)` and a handler callable from code. */
import type { Command } from 'commander';
import { register as registerExport } from './export.js';
import { register as registerImportButterE } from './import-butter-e.js';
import { register as registerMerge } from './merge.js';
import { register as registerSlurm } from './slurm.js';
import { register as registerSweep } from './sweep.js';
import { register as registerInfo } from './info.js';
import { register as registerMeasure } from './measure.js';

export const commands: Array<(program: Command) => void> = [
  registerSweep, registerSlurm, registerMerge, registerExport, registerImportButterE, registerInfo, registerMeasure,
];
