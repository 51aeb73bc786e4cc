/** The list of CLI commands; each file exports `register(program)` and a handler callable from code. */
import type { Command } from 'commander';

export const commands: Array<(program: Command) => void> = [];
