/**
 * The meter flags `info` and `measure` share (the paths and figures their error messages name), and the
 * openMeters() options they stand for.
 */
import type { Command } from 'commander';
import { parseDomainList, type MeterOptions } from '../meters.js';
import { numberText } from '../validate.js';

export interface MeterFlags {
  powercapRoot?: string;
  nvmlLibrary?: string;
  wattsPerCore?: string;
  domains?: string;
}

export function addMeterFlags(command: Command): Command {
  return command
    .option('--powercap-root <dir>', 'powercap tree to read (default /sys/class/powercap)')
    .option('--nvml-library <path>', 'NVML library to dlopen (default libnvidia-ml.so.1)')
    .option('--domains <list>', 'RAPL planes to read, comma-separated: package, core, uncore, dram, psys (default: all)')
    .option('--watts-per-core <w>', 'power figure of the CPU-time estimate (default 10)');
}

export function meterOptionsFrom(flags: MeterFlags): MeterOptions {
  const o: MeterOptions = {};
  if (flags.powercapRoot) o.powercapRoot = flags.powercapRoot;
  if (flags.nvmlLibrary) o.nvmlLibrary = flags.nvmlLibrary;
  if (flags.wattsPerCore !== undefined) o.wattsPerCore = numberText('--watts-per-core', flags.wattsPerCore);
  if (flags.domains !== undefined) o.domains = parseDomainList(flags.domains);
  return o;
}
