/**
 * Every error the SDK throws is an `MlpEnergyError` (or a TypeError/RangeError carrying the same
 * fields) with a stable `code` and a message that says how to fix it.
 */

export type ErrorCode =
  | 'INVALID_OPTION'
  | 'UNKNOWN_OPTION'
  | 'INVALID_TILING'
  | 'ISA_UNAVAILABLE'
  | 'NETWORK_OFF_BUDGET'
  | 'INVALID_DATA'
  | 'OUT_OF_MEMORY'
  | 'ADDON_NOT_BUILT'
  | 'METER_UNAVAILABLE'
  | 'METER_PERMISSION_DENIED'
  | 'METER_READ_FAILED'
  | 'METER_WINDOW_EXISTS'
  | 'METER_WINDOW_UNKNOWN'
  | 'METER_CLOSED'
  | 'METER_DOMAIN_UNAVAILABLE'
  | 'CUDA_UNAVAILABLE'
  | 'INVALID_SPEC'
  | 'DATASET_MALFORMED'
  | 'DATASET_NOT_FOUND'
  | 'STORE_ERROR'
  | 'TUNING_NOT_FOUND'
  | 'MODEL_UNDERDETERMINED'
  | 'SLURM_ERROR'
  | 'ABORTED'
  | (string & {});

export class MlpEnergyError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MlpEnergyError';
    this.code = code;
  }
}

/** Attach a stable code to a built-in error class (TypeError for wrong types, RangeError for bad values). */
export function withCode<E extends Error>(error: E, code: ErrorCode): E & { code: ErrorCode } {
  return Object.assign(error, { code });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : typeof value;
}

/** "expected an integer between 1 and 4096 for kc but received 0" (after sharp's lib/is.mjs). */
export function invalidOption(name: string, expected: string, received: unknown, kind: 'type' | 'range' = 'range') {
  const message = `Expected ${expected} for ${name} but received ${describe(received)}`;
  return withCode(kind === 'type' ? new TypeError(message) : new RangeError(message), 'INVALID_OPTION');
}

/**
 * A file system error writing where the caller pointed (a folder where a file goes, a file where a folder goes, no
 * permission) as INVALID_OPTION naming that option; any other error passes through unchanged.
 */
export function unwritable(option: string, path: string, error: unknown): unknown {
  const reason = (error as { syscall?: unknown; message?: string }).syscall === undefined ? undefined : (error as Error).message;
  if (reason === undefined) return error;
  return new MlpEnergyError('INVALID_OPTION', `Cannot write ${path} (${option}): ${reason}. Choose another path for ${option}.`, { cause: error });
}

export function rejectUnknownOptions(where: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw withCode(
        new TypeError(`Unknown option ${JSON.stringify(key)} for ${where}; known options: ${known.join(', ')}`),
        'UNKNOWN_OPTION',
      );
    }
  }
}
