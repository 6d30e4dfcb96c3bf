/**
 * Uses every accessor call once per CPU in its own slice of memory, then a barrier, then
 * reads a neighbour's slice (which faults). Returns what it read.
 */
import { defineProgram } from '../../../index.js';

const slice = 256;

export default defineProgram((cpu) => {
  const m = cpu.memory;
  const base = cpu.id * slice;
  m.setInt8(base + 0, -5);
  m.setUint8(base + 1, 250);
  m.setInt16(base + 2, -300);
  m.setUint16(base + 4, 60000);
  m.setInt32(base + 8, -70000 - cpu.id);
  m.setUint32(base + 12, 4000000000);
  m.setFloat32(base + 16, 1.5);
  m.setFloat64(base + 24, Math.PI + cpu.id);
  m.setBigInt64(base + 32, -(2n ** 40n) - BigInt(cpu.id));
  m.setBigUint64(base + 40, 2n ** 63n + BigInt(cpu.id));
  m.write(base + 48, [1, 2, 3, cpu.id]);
  const v = cpu.float64Array(base + 64, 4);
  for (let i = 0; i < v.length; i++) v.set(i, i * 0.5 + cpu.id);
  cpu.barrier();
  const nb = ((cpu.id + 1) % cpu.cpus) * slice;
  return {
    i8: m.getInt8(nb + 0), u8: m.getUint8(nb + 1), i16: m.getInt16(nb + 2), u16: m.getUint16(nb + 4),
    i32: m.getInt32(nb + 8), u32: m.getUint32(nb + 12), f32: m.getFloat32(nb + 16), f64: m.getFloat64(nb + 24),
    bi64: m.getBigInt64(nb + 32), bu64: m.getBigUint64(nb + 40), bytes: Array.from(m.read(nb + 48, 4)),
    view: cpu.float64Array(nb + 64, 4).toArray(),
  };
});
