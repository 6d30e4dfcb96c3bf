import { DsmConfigError } from '../src/core/errors.js';

/** A commander option parser for integers that names the option in its error. */
export function parseInteger(option: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n)) throw new DsmConfigError(`${option} must be an integer, got ${JSON.stringify(value)}`);
    return n;
  };
}
