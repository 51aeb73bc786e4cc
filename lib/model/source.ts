/**
 * Where the CLI's model commands get their inputs: runs from the results store, and the hardware profile of
 * the runs measured here (this machine as detected, or one the user names). Imported BUTTER-E runs carry the
 * study's Eagle profiles themselves (from-store.ts).
 */
import { totalmem } from 'node:os';
import { cudaInfo } from '../gpu.js';
import { cacheInfo, cpuInfo } from '../hardware.js';
import { ResultStore } from '../store/store.js';
import { runsFromStore } from './from-store.js';
import { loadProfile, profileFromCaches, profileFromGpu, type DeviceClass, type HardwareProfile } from './profiles.js';
import type { RunRecord } from './records.js';

/** This machine's CPU (and first GPU, when CUDA works) as profiles. */
export function detectedProfiles(): Partial<Record<DeviceClass, HardwareProfile>> {
  const profiles: Partial<Record<DeviceClass, HardwareProfile>> = {
    cpu: profileFromCaches(cacheInfo(), cpuInfo().logicalCores, totalmem()),
  };
  const cuda = cudaInfo();
  if (cuda.cudaAvailable && cuda.devices.length > 0) profiles.gpu = profileFromGpu(cuda.devices[0]);
  return profiles;
}

/** `--profile` values: 'detected' (default), a built-in name or a JSON file; its device class says which runs it describes. */
export function resolveProfiles(names: readonly string[] = []): Partial<Record<DeviceClass, HardwareProfile>> {
  const profiles = detectedProfiles();
  for (const name of names) {
    if (name === 'detected') continue;
    const profile = loadProfile(name);
    profiles[profile.deviceClass] = profile;
  }
  return profiles;
}

/** `notice` hears what the user should know about the store read (a snapshot of one a sweep holds). */
export async function withStore<T>(path: string, work: (store: ResultStore) => Promise<T>, notice?: (text: string) => void): Promise<T> {
  const store = await ResultStore.openExisting(path, '--store');
  const note = store.snapshotNote();
  if (note) notice?.(note);
  try {
    return await work(store);
  } finally {
    store.close();
  }
}

export async function loadRuns(path: string, notice?: (text: string) => void): Promise<RunRecord[]> {
  return withStore(path, (store) => runsFromStore(store), notice);
}
