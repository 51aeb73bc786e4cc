/**
 * Measuring a run in a window its counters can resolve. A counter read at a window's edges is off by up to one of
 * its updates, so a run much shorter than the update period (NVML's ~100 ms) reads zero or one whole step. Such a run
 * is trained again, back to back, several times inside one window, and the window's time and energy are divided by
 * the count: the timer loop's answer (timeit's `number`), which keeps each run's work, data and seed as planned.
 */
import type { Measurement, MeterPort, TrainOutcome } from './ports.js';

/** At most this many trainings in one window: a run that needs more is a millisecond long and still cheap. */
export const MAX_WINDOW_REPEATS = 1000;
/** Windows sized again after the first, when warm trainings ran faster than the one the size came from. */
const MAX_WINDOW_RESIZES = 3;

export interface MeasuredTraining {
  /** The last training's result (each one trains the same run from the same seed). */
  readonly outcome: TrainOutcome;
  /** One run's share: the window's seconds and joules (in total and per domain) divided by `repeats`. */
  readonly measured: Measurement;
  /** Trainings in the measured window. */
  readonly repeats: number;
}

/** How many back-to-back trainings of a run lasting `runSeconds` fill a window of `minWindowSeconds`. */
export function windowRepeats(runSeconds: number, minWindowSeconds: number): number {
  if (!(runSeconds < minWindowSeconds)) return 1;
  // A fifth over the floor, so a run that is a little faster the second time still fills the window.
  return Math.min(MAX_WINDOW_REPEATS, Math.max(2, Math.ceil((1.2 * minWindowSeconds) / Math.max(runSeconds, 1e-6))));
}

/**
 * Trains once in a window; when that window was too short for the meter, trains again enough times in a new one.
 * The first training also warms the caches (and a GPU's context), so a window sized from it can still fall short:
 * it is sized again from the faster trainings, a few times at most.
 */
export async function measureTraining(meter: MeterPort, train: () => Promise<TrainOutcome>): Promise<MeasuredTraining> {
  let m = await trainInWindow(meter, train, 1);
  for (let resized = 0; resized < MAX_WINDOW_RESIZES; resized++) {
    const windowSeconds = m.measured.seconds * m.repeats;
    if (!(windowSeconds < meter.minWindowSeconds) || m.repeats >= MAX_WINDOW_REPEATS) break;
    m = await trainInWindow(meter, train, windowRepeats(m.measured.seconds, meter.minWindowSeconds));
  }
  return m;
}

async function trainInWindow(meter: MeterPort, train: () => Promise<TrainOutcome>, repeats: number): Promise<MeasuredTraining> {
  const window = meter.begin();
  let outcome: TrainOutcome | undefined;
  try {
    for (let i = 0; i < repeats; i++) outcome = await train();
  } catch (error) {
    await window.end().catch(() => undefined);
    throw error;
  }
  const measured = await window.end();
  return { outcome: outcome!, measured: repeats === 1 ? measured : perRun(measured, repeats), repeats };
}

function perRun(window: Measurement, repeats: number): Measurement {
  const share = (joules: number | null) => (joules === null ? null : joules / repeats);
  const domains = Object.fromEntries(Object.entries(window.domains).map(([key, joules]) => [key, share(joules)]));
  return { ...window, energy: share(window.energy), domains, seconds: window.seconds / repeats };
}
