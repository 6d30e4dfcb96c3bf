/**
 * Tests are written in TypeScript under test/ and compiled by `tsc` (npm test does it first)
 * to dist/test, which jest runs as native ES modules. Compiling first means the worker
 * threads the tests start load the same built JavaScript as users do.
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 60000,
  maxWorkers: 2,
};
