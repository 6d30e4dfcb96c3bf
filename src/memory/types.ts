/** The typed values a program can load and store, little-endian, naturally aligned. */
export type ValueType =
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32'
  | 'float32' | 'float64' | 'bigint64' | 'biguint64';

export const valueTypes: readonly ValueType[] = [
  'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'bigint64', 'biguint64',
];

export const typeSize: Readonly<Record<ValueType, number>> = {
  int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4,
  float32: 4, float64: 8, bigint64: 8, biguint64: 8,
};

export type Value = number | bigint;

export function isBigIntType(type: ValueType): boolean {
  return type === 'bigint64' || type === 'biguint64';
}

/** Reads a value of `type` at byte offset `offset` of `view` (no checks). */
export function loadValue(view: DataView, type: ValueType, offset: number): Value {
  switch (type) {
    case 'int8': return view.getInt8(offset);
    case 'uint8': return view.getUint8(offset);
    case 'int16': return view.getInt16(offset, true);
    case 'uint16': return view.getUint16(offset, true);
    case 'int32': return view.getInt32(offset, true);
    case 'uint32': return view.getUint32(offset, true);
    case 'float32': return view.getFloat32(offset, true);
    case 'float64': return view.getFloat64(offset, true);
    case 'bigint64': return view.getBigInt64(offset, true);
    case 'biguint64': return view.getBigUint64(offset, true);
  }
}

/** Writes `value` as `type` at byte offset `offset` of `view` (no checks). */
export function storeValue(view: DataView, type: ValueType, offset: number, value: Value): void {
  switch (type) {
    case 'int8': return view.setInt8(offset, Number(value));
    case 'uint8': return view.setUint8(offset, Number(value));
    case 'int16': return view.setInt16(offset, Number(value), true);
    case 'uint16': return view.setUint16(offset, Number(value), true);
    case 'int32': return view.setInt32(offset, Number(value), true);
    case 'uint32': return view.setUint32(offset, Number(value), true);
    case 'float32': return view.setFloat32(offset, Number(value), true);
    case 'float64': return view.setFloat64(offset, Number(value), true);
    case 'bigint64': return view.setBigInt64(offset, BigInt(value), true);
    case 'biguint64': return view.setBigUint64(offset, BigInt(value), true);
  }
}
