import { describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../../src/core/config.js';
import { DsmConfigError } from '../../../src/core/errors.js';
import { getProtocol } from '../../../src/core/registry.js';

describe('validateConfig', () => {
  test('fills the default page size', () => {
    expect(validateConfig({ cpus: 4, pages: 10 })).toEqual({ cpus: 4, pages: 10, pageSize: 4096 });
  });

  test.each([
    [{ cpus: 0, pages: 1 }, /cpus = 0; allowed: an integer from 1 to 256/],
    [{ cpus: 2.5, pages: 1 }, /cpus = 2.5/],
    [{ cpus: 2, pages: 0 }, /pages = 0; allowed: an integer from 1/],
    [{ cpus: 2, pages: 1, pageSize: 1000 }, /pageSize = 1000; allowed: a power of two from 8/],
    [{ cpus: 2, pages: 1, pageSize: 4 }, /pageSize = 4/],
  ])('rejects %p saying what was given and what is allowed', (input, why) => {
    expect(() => validateConfig(input)).toThrow(DsmConfigError);
    expect(() => validateConfig(input)).toThrow(why);
  });

  test('an unknown protocol is a config error listing the known ones', () => {
    expect(() => getProtocol('mesi')).toThrow(/protocol = "mesi"; allowed: ivy/);
  });
});
