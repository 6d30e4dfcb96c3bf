import { DsmConfigError } from './errors.js';
import { showValue } from './show.js';

/** The shape of a cluster, shared by every protocol and backend. */
export interface DsmConfig {
  /** Number of CPUs, ids 0..cpus-1. */
  readonly cpus: number;
  /** Number of pages in the shared region. */
  readonly pages: number;
  /** Bytes per page, a power of two. */
  readonly pageSize: number;
}

export const cpuCountMax = 256;
export const pageCountMax = 1 << 20;
export const pageSizeMin = 8;
export const pageSizeMax = 1 << 24;
export const defaultPageSize = 4096;

export interface DsmConfigInput {
  cpus: number;
  pages: number;
  pageSize?: number | undefined;
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new DsmConfigError(`invalid config: ${name} = ${showValue(value)}; allowed: an integer from ${min} to ${max}`);
  }
  return value;
}

/** Checks a config and fills defaults; throws DsmConfigError naming the field and what is allowed. */
export function validateConfig(input: DsmConfigInput): DsmConfig {
  if (input === null || typeof input !== 'object') {
    throw new DsmConfigError(`invalid config: expected an object with cpus and pages, got ${String(input)}`);
  }
  const cpus = checkInteger('cpus', input.cpus, 1, cpuCountMax);
  const pages = checkInteger('pages', input.pages, 1, pageCountMax);
  const pageSize = input.pageSize ?? defaultPageSize;
  if (
    typeof pageSize !== 'number' ||
    !Number.isInteger(pageSize) ||
    pageSize < pageSizeMin ||
    pageSize > pageSizeMax ||
    (pageSize & (pageSize - 1)) !== 0
  ) {
    throw new DsmConfigError(
      `invalid config: pageSize = ${showValue(pageSize)}; allowed: a power of two from ${pageSizeMin} to ${pageSizeMax}`,
    );
  }
  if (pages * pageSize > 2 ** 31) {
    throw new DsmConfigError(
      `invalid config: pages * pageSize = ${pages * pageSize} bytes; allowed: at most 2 GiB per CPU`,
    );
  }
  return { cpus, pages, pageSize };
}

export function log2(pageSize: number): number {
  return 31 - Math.clz32(pageSize);
}
