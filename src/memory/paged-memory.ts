/**
 * One CPU's copy of the shared address space and its protection table. Page data lives in a
 * private ArrayBuffer; the protection table holds one access code per page (0 none, 1 read,
 * 2 write). Every runtime enforces access through this class: the simulator directly, the
 * worker runtime through the typed accessor.
 *
 * Runs cost what they touch. A CPU's bytes outlive a run (the worker runtime hands the buffer
 * to the next run's memory, a native CPU keeps its region), so the next run must not copy the
 * whole region in again. Bytes change only three ways: a page granted write access (the
 * program may store to it), a page installed (data that arrived), a diff applied. Each marks
 * the page touched; a page never touched holds exactly the bytes the run started with. So at
 * the end of a run the touched pages are all that can differ from the run's starting image
 * (runtime/starting-pages.ts), and `startRun` brings a memory back to the image by installing
 * just those.
 */
import { log2, type DsmConfig } from '../core/config.js';
import { DsmAlignmentError, DsmRangeError } from '../core/errors.js';
import { accessCode, accessOfCode, type Access } from '../core/wire.js';
import { loadValue, storeValue, typeSize, type Value, type ValueType } from './types.js';

/** Some pages' bytes, packed: page `pages[i]` is `data[i * pageSize .. (i + 1) * pageSize)`. */
export interface PageBatch {
  readonly pages: readonly number[];
  readonly data: Uint8Array;
}

/** Pages per chunk of page copies (copyPage). */
const copyChunkPages = 16;

export class PagedMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Access code per page: 0 none, 1 read, 2 write. */
  readonly access: Uint8Array;
  readonly pageShift: number;
  readonly pageSize: number;
  readonly pages: number;
  readonly regionBytes: number;
  /** Where copyPage carves its copies (see there). */
  private copyChunk = new Uint8Array(0);
  private copyChunkUsed = 0;

  /** Per page, 1 once touched (see the header); `touchedList` holds the same pages in order. */
  private readonly touchedFlags: Uint8Array;
  private touchedList: number[] = [];

  constructor(
    config: DsmConfig,
    /** The CPU this memory serves (a worker's kept memory may serve another CPU in its next run: DsmMemory.rebind). */
    public cpu: number,
    initialAccess: Access = 'read',
    /** Bytes to use (a previous run's, of `pages * pageSize` bytes); default a fresh zero-filled buffer. */
    buffer?: ArrayBuffer,
  ) {
    this.pageSize = config.pageSize;
    this.pages = config.pages;
    this.pageShift = log2(config.pageSize);
    this.regionBytes = config.pages * config.pageSize;
    if (buffer !== undefined && buffer.byteLength !== this.regionBytes) {
      throw new RangeError(`PagedMemory: a buffer of ${buffer.byteLength} bytes for a region of ${this.regionBytes}`);
    }
    // A fresh ArrayBuffer is calloc'd: pages nobody touches are never backed by memory.
    this.bytes = new Uint8Array(buffer ?? new ArrayBuffer(this.regionBytes));
    this.view = new DataView(this.bytes.buffer);
    this.access = new Uint8Array(config.pages).fill(accessCode[initialAccess]);
    this.touchedFlags = new Uint8Array(config.pages);
  }

  /** Marks `page` as possibly changed in this run (see the header). */
  markTouched(page: number): void {
    if (this.touchedFlags[page] === 0) {
      this.touchedFlags[page] = 1;
      this.touchedList.push(page);
    }
  }

  /** The pages whose bytes may differ from the image this run started with, in the order first touched. */
  touched(): readonly number[] {
    return this.touchedList;
  }

  /**
   * The start of a run on bytes a previous run left: every page readable (the protocols'
   * initial state), `refresh` installed (the starting image's bytes of every page that may
   * differ here), nothing touched yet. The caller answers for the rest of the bytes already
   * being the image's (see the header).
   */
  startRun(refresh: PageBatch): void {
    this.resetAccess();
    refresh.pages.forEach((page, i) => {
      this.bytes.set(refresh.data.subarray(i * this.pageSize, (i + 1) * this.pageSize), page << this.pageShift);
    });
    for (const p of this.touchedList) this.touchedFlags[p] = 0;
    this.touchedList = [];
  }

  /** Every page back to read access (the protocols' initial state). */
  protected resetAccess(): void {
    const read = accessCode.read;
    for (let p = 0; p < this.pages; p++) if (this.access[p] !== read) this.setAccess(p, 'read');
  }

  /** Throws DsmRangeError unless [address, address+length) lies inside the region. */
  checkRange(address: number, length: number): void {
    if (!Number.isInteger(address) || !Number.isInteger(length) || address < 0 || length < 0 || address + length > this.regionBytes) {
      throw new DsmRangeError(this.cpu, address, length, this.regionBytes);
    }
  }

  /** Throws DsmRangeError or DsmAlignmentError unless a `type` access at `address` is valid. */
  checkTyped(type: ValueType, address: number): void {
    const size = typeSize[type];
    this.checkRange(address, size);
    if ((address & (size - 1)) !== 0) throw new DsmAlignmentError(this.cpu, address, type, size);
  }

  pageOf(address: number): number {
    return address >>> this.pageShift;
  }

  accessOf(page: number): Access {
    return accessOfCode[this.access[page]!]!;
  }

  setAccess(page: number, access: Access): void {
    if (access === 'write') this.markTouched(page);
    this.access[page] = accessCode[access];
  }

  /** The first page in [address, address+length) without `need` access, or -1 when all have it. */
  missingPage(address: number, length: number, need: 'read' | 'write'): number {
    const code = need === 'write' ? 2 : 1;
    const last = this.pageOf(address + Math.max(length, 1) - 1);
    for (let p = this.pageOf(address); p <= last; p++) if (this.access[p]! < code) return p;
    return -1;
  }

  /** A live view of one page's bytes. */
  page(page: number): Uint8Array {
    return this.bytes.subarray(page << this.pageShift, (page + 1) << this.pageShift);
  }

  /**
   * A copy of one page's bytes, for sending: a region of its own that nobody writes again,
   * so a message may hold it for as long as it likes. The copies are carved from chunks of
   * `copyChunkPages` pages: a fresh 4 KiB ArrayBuffer costs ~2.3 µs to allocate (and GC work
   * later), a view of a chunk a tenth of that. The copy is a view: transfer or clone its bytes,
   * never its `.buffer` (which holds other copies), and use `slice` for a copy to keep long.
   */
  copyPage(page: number): Uint8Array {
    if (this.copyChunkUsed + this.pageSize > this.copyChunk.length) {
      this.copyChunk = new Uint8Array(this.pageSize * copyChunkPages);
      this.copyChunkUsed = 0;
    }
    const start = this.copyChunkUsed;
    this.copyChunkUsed += this.pageSize;
    const copy = this.copyChunk.subarray(start, start + this.pageSize);
    copy.set(this.page(page));
    return copy;
  }

  install(page: number, data: Uint8Array): void {
    this.markTouched(page);
    this.bytes.set(data, page << this.pageShift);
  }

  /** Unchecked typed load; callers have checked range, alignment and access. */
  load(type: ValueType, address: number): Value {
    return loadValue(this.view, type, address);
  }

  /** Unchecked typed store; callers have checked range, alignment and access. */
  store(type: ValueType, address: number, value: Value): void {
    storeValue(this.view, type, address, value);
  }
}
