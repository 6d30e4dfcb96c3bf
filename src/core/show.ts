/**
 * How errors show what a program or caller gave: values with their kind (so that the string
 * '8' is not taken for the number 8), and addresses in hex only when they are addresses (never
 * `0xNaN`, `0x4.8` or `0x-4`).
 */

/**
 * How a value a program gave is shown in an error: strings quoted and named as strings (so
 * that `'8'` is not mistaken for 8), bigints with their `n`, objects by their kind.
 */
export function showValue(value: unknown): string {
  switch (typeof value) {
    case 'string': return `${JSON.stringify(value)} (a string)`;
    case 'bigint': return `${value}n (a bigint)`;
    case 'number': return String(value);
    case 'undefined': return 'undefined';
    case 'boolean': return `${value} (a boolean)`;
    case 'symbol': return `${String(value)} (a symbol)`;
    case 'function': return 'a function';
    default: return value === null ? 'null' : Array.isArray(value) ? 'an array' : `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  }
}

/** Why `address` is not an address at all (not a number, NaN, a fraction, negative), or null when it is a non-negative integer. */
export function notAnAddress(address: unknown): string | null {
  if (typeof address !== 'number' || Number.isNaN(address)) return 'is not a number';
  if (!Number.isFinite(address)) return 'is not finite';
  if (!Number.isInteger(address)) return 'is not an integer';
  if (address < 0) return 'is negative';
  return null;
}

/** An address as errors show it: `0x1f (31)` when it is one, else the value as given. */
export function showAddress(address: unknown): string {
  return notAnAddress(address) === null ? `0x${(address as number).toString(16)} (${address as number})` : typeof address === 'number' ? String(address) : showValue(address);
}
