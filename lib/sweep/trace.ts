/**
 * A run's power trace for the store's `power_traces` table. The meters keep one ring buffer of timestamped power
 * samples for the whole sweep (native/core/meters/trace.*); a run's trace is the samples taken inside its window,
 * timed from the window's start. The buffer is drained while the run trains, so a run longer than the buffer holds
 * keeps every sample; samples the buffer overwrote before they were read are counted, never invented.
 */
import type { PowerTrace } from '../meters.js';

/** Seconds of samples the ring buffer holds; drained four times in that span. */
export const TRACE_BUFFER_S = 60;

/** What a capture needs from the meters (`Meters` has it; tests script it). */
export interface TraceSource {
  readonly domains: readonly { readonly key: string; readonly estimated: boolean }[];
  /** Seconds since the meters opened: the clock of `trace().tS`. */
  nowS(): number;
  trace(): PowerTrace;
  pollerStats(): { readonly periodS: number | null };
}

/** One row of `power_traces` (run_id is added when the run is written). */
export type TraceRow = {
  /** Seconds since the run's window opened. */
  readonly t: number;
  readonly domain: string;
  /** Mean watts since the previous sample; null where the counter could not be read. */
  readonly watts: number | null;
  /** The domain's figures are an estimate, not a hardware counter. */
  readonly estimated: boolean;
};

export interface RunTrace {
  readonly rows: readonly TraceRow[];
  /** Sample times kept in the window (each has one row per domain). */
  readonly samples: number;
  /** Samples the ring buffer overwrote before they could be read. */
  readonly lost: number;
}

/** Samples from now until `finish()`; `capacity` is the ring buffer's size in samples. */
export class TraceCapture {
  readonly #source: TraceSource;
  readonly #startS: number;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #t: number[] = [];
  readonly #watts: number[][];
  /** Samples the buffer had taken when last read (kept + overwritten). */
  #seen: number;
  #lost = 0;

  constructor(source: TraceSource, capacity: number) {
    this.#source = source;
    this.#watts = source.domains.map(() => []);
    const first = source.trace();
    this.#seen = first.tS.length + first.dropped;
    this.#startS = source.nowS();
    // The buffer fills at the poller's rate (at most the trace rate); read it well before it wraps.
    const periodS = source.pollerStats().periodS ?? 1;
    this.#timer = setInterval(() => this.#drain(), Math.max(10, (capacity * periodS * 1000) / 4));
    this.#timer.unref();
  }

  #drain(): void {
    const snapshot = this.#source.trace();
    const n = snapshot.tS.length;
    const taken = n + snapshot.dropped;
    const fresh = taken - this.#seen;
    this.#seen = taken;
    const kept = Math.min(fresh, n);
    this.#lost += fresh - kept;
    const columns = this.#source.domains.map((d) => snapshot.powerW[d.key]);
    for (let i = n - kept; i < n; i++) {
      this.#t.push(snapshot.tS[i]);
      columns.forEach((column, d) => this.#watts[d].push(column[i]));
    }
  }

  /** Stop capturing: the samples inside the window, one row per domain each. */
  finish(): RunTrace {
    clearInterval(this.#timer);
    const endS = this.#source.nowS();
    this.#drain();
    const rows: TraceRow[] = [];
    let samples = 0;
    this.#t.forEach((t, i) => {
      if (t <= this.#startS || t > endS) return;
      samples++;
      this.#source.domains.forEach((domain, d) => {
        const w = this.#watts[d][i];
        rows.push({ t: t - this.#startS, domain: domain.key, watts: Number.isFinite(w) ? w : null, estimated: domain.estimated });
      });
    });
    return { rows, samples, lost: this.#lost };
  }
}
