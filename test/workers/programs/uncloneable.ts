/** CPU 1 returns a result with a function inside, which cannot be copied back to the cluster. */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu) => (cpu.id === 1 ? { sum: 3, parts: [1, { onDone: function onDone() {} }] } : { sum: cpu.id }));
