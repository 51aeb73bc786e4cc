/** Small named checks used at every SDK boundary; each throws invalidOption with the option's name. */
import { invalidOption } from './errors.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

export function integerIn(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const expected = `an integer ${range(min, max === Number.MAX_SAFE_INTEGER ? Infinity : max)}`;
  if (typeof value !== 'number') throw invalidOption(name, expected, value, 'type');
  if (!Number.isInteger(value) || value < min || value > max) throw invalidOption(name, expected, value);
  return value;
}

export function finiteNumber(name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number') throw invalidOption(name, 'a finite number', value, 'type');
  if (!Number.isFinite(value) || value < min || value > max) {
    throw invalidOption(name, min === -Infinity && max === Infinity ? 'a finite number' : `a number ${range(min, max)}`, value);
  }
  return value;
}

/** "between 1 and 4096", or "≥ 1" with no upper bound (not "between 1 and 9007199254740991"). */
function range(min: number, max: number): string {
  if (max === Infinity) return `≥ ${min}`;
  if (min === -Infinity) return `≤ ${max}`;
  return `between ${min} and ${max}`;
}

/**
 * A number typed as a command-line flag's value (handlers called from code may pass the number itself); anything
 * else is named with the flag and the text as typed, not as NaN. Range checks come after.
 */
export function numberText(flag: string, text: string | number): number {
  const value = typeof text === 'number' ? text : text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw invalidOption(flag, 'a number', text, 'type');
  return value;
}

export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw invalidOption(name, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value, typeof value === 'string' ? 'range' : 'type');
  }
  return value as T;
}

export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidOption(name, 'a boolean', value, 'type');
  return value;
}

export function float32Array(name: string, value: unknown, length?: number): Float32Array {
  if (!(value instanceof Float32Array)) throw invalidOption(name, 'a Float32Array', value, 'type');
  if (length !== undefined && value.length !== length) {
    throw invalidOption(name, `a Float32Array of length ${length}`, value);
  }
  return value;
}

/** A finite number, or null where the quantity was not measured (an energy meter that was not read). */
export function finiteOrNull(name: string, value: unknown, min = -Infinity): number | null {
  return value === null ? null : finiteNumber(name, value, min);
}

/** An array of finite numbers (a vector, or one row of a matrix), of a given length when `length` is set. */
export function finiteArray(name: string, value: unknown, length?: number): readonly number[] {
  const expected = length === undefined ? 'an array of finite numbers' : `an array of ${length} finite numbers`;
  if (!Array.isArray(value)) throw invalidOption(name, expected, value, 'type');
  if (length !== undefined && value.length !== length) throw invalidOption(name, expected, value);
  value.forEach((v, i) => finiteNumber(`${name}[${i}]`, v));
  return value;
}
