/**
 * The two PagedMemory faces of a native region.
 *
 * AliasMemory is the protocol thread's: its bytes are the always-writable alias, and every
 * setAccess is also an mprotect of the page in the application view. ViewMemory is the
 * program's: its bytes are the application view, and its software access table says `write`
 * everywhere, so the typed accessor's own check always passes and the hardware check is the
 * one that counts (a page the protocol has not granted faults in the MMU).
 *
 * Both are PagedMemory subclasses whose bytes are swapped for the region's after the base
 * constructor ran: the base class allocates its own buffer (calloc'd zero pages, never touched
 * and so never backed), and reusing it keeps every method and field of PagedMemory as it is.
 */
import type { DsmConfig } from '../src/core/config.js';
import { accessCode, type Access } from '../src/core/wire.js';
import { PagedMemory } from '../src/memory/paged-memory.js';
import type { Region } from './index.js';

function useBytes(memory: PagedMemory, buffer: ArrayBuffer): void {
  const writable = memory as { bytes: Uint8Array; view: DataView };
  writable.bytes = new Uint8Array(buffer);
  writable.view = new DataView(buffer);
}

/** Makes `table` (shared with the program thread, see pin.ts) the memory's access table, with the same contents. */
function useAccessTable(memory: PagedMemory, table: Uint8Array): void {
  table.set(memory.access);
  (memory as { access: Uint8Array }).access = table;
}

export class AliasMemory extends PagedMemory {
  /** Pages write-protected in the view for a copy, to settle after the current batch of effects. */
  private readonly protectedForCopy = new Set<number>();

  constructor(
    config: DsmConfig,
    cpu: number,
    private readonly region: Region,
    /** The access table the program thread reads before a pinned access (pin.ts). */
    sharedTable: Uint8Array,
  ) {
    super(config, cpu, 'read');
    useBytes(this, region.alias());
    useAccessTable(this, sharedTable);
  }

  /**
   * The view's protection first, then the table: raising, the table never says more than the
   * MMU allows; lowering, the MMU denies before the table says so. (The pin word keeps the
   * program from reading the table in between anyway; this order makes the table safe to
   * read without it.)
   */
  override setAccess(page: number, access: Access): void {
    if (this.accessOf(page) !== access) this.region.setAccess(page, access);
    super.setAccess(page, access);
  }

  /** One mprotect per run of consecutive pages that are not read, then the table (a run that wrote 4096 pages: 4096 calls before). */
  protected override resetAccess(): void {
    const read = accessCode.read;
    for (let p = 0; p < this.pages; p++) {
      if (this.access[p] === read) continue;
      let end = p + 1;
      while (end < this.pages && this.access[end] !== read) end++;
      this.region.setAccessRange(p, end - p, 'read');
      this.access.fill(read, p, end);
      p = end;
    }
  }

  /**
   * A copy of a page for sending (or a twin). Unlike on worker threads, the program runs
   * while we copy: a store to a writable page between the copy and the protocol's downgrade
   * that follows (WRITE_FWD: send the page, then drop it) would land in a copy nobody owns
   * and be lost. So a writable page is write-protected first; `settle()` gives write access
   * back after the batch if the protocol kept it (a home serving its master copy).
   */
  override copyPage(page: number): Uint8Array {
    if (this.access[page] === 2 && !this.protectedForCopy.has(page)) {
      this.region.setAccess(page, 'read');
      this.protectedForCopy.add(page);
    }
    return super.copyPage(page);
  }

  /** After a batch of effects: the view's protection of copied pages matches the protocol's again. */
  settle(): void {
    for (const page of this.protectedForCopy) if (this.access[page] === 2) this.region.setAccess(page, 'write');
    this.protectedForCopy.clear();
  }
}

export class ViewMemory extends PagedMemory {
  constructor(config: DsmConfig, cpu: number, region: Region) {
    super(config, cpu, 'write');
    useBytes(this, region.view());
  }
}
