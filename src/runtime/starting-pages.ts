/**
 * What each CPU must install at the start of a run so that its memory is the cluster's image,
 * without copying the whole region into every CPU (a backend's side of "runs cost what they
 * touch", see memory/paged-memory.ts).
 *
 * A CPU's memory outlives a run. After a run that succeeded, it differs from the image only in
 * the pages it touched (bytes change only in touched pages), and the image was brought up to
 * date from the one CPU per touched page whose copy is current. So the next run installs, at
 * every CPU, the image's bytes of the pages any CPU touched in the last run: the union, so
 * that it does not matter which memory serves which CPU (a worker pool does not say which
 * thread takes which task).
 *
 * After a run that failed, the CPUs' memories hold what the run left, which nobody collected:
 * the backend starts them again from zero-filled memory (new processes, new buffers) and they
 * install every page the image ever took from a run, which is every page that may be non-zero.
 * A fresh cluster is the same case with no such page.
 */
import type { PageBatch } from '../memory/paged-memory.js';

export class StartingPages {
  /** Per page, 1 once a run reported it (the image's bytes may be non-zero). */
  private readonly everReported: Uint8Array;
  private everReportedList: number[] = [];
  /** The pages any CPU touched in the last run (sorted), when the CPUs' memories are that run's. */
  private lastTouched: number[] = [];
  /** The CPUs' memories are zero-filled (a fresh start), not what a successful run left. */
  private fromZero = true;

  constructor(
    private readonly pages: number,
    private readonly pageSize: number,
  ) {
    this.everReported = new Uint8Array(pages);
  }

  /** Whether the next run's CPUs must start from zero-filled memory (see the header). */
  get zeroed(): boolean {
    return this.fromZero;
  }

  /** The pages every CPU installs before the next run (ascending when the last run succeeded). */
  pagesToInstall(): readonly number[] {
    return this.fromZero ? this.everReportedList : this.lastTouched;
  }

  /** The pages every CPU installs before the next run, with their bytes from `image`. */
  batch(image: Uint8Array): PageBatch {
    const pages = this.pagesToInstall();
    const data = new Uint8Array(pages.length * this.pageSize);
    pages.forEach((page, i) => data.set(image.subarray(page * this.pageSize, (page + 1) * this.pageSize), i * this.pageSize));
    return { pages: [...pages], data };
  }

  /** A run succeeded: `touched[i]` are the pages CPU i touched, `reported` the pages the image took. */
  succeeded(touched: ReadonlyArray<readonly number[]>, reported: Iterable<number>): void {
    const union = new Set<number>();
    for (const list of touched) for (const p of list) union.add(p);
    this.lastTouched = [...union].sort((a, b) => a - b);
    for (const p of reported) {
      if (p < 0 || p >= this.pages) throw new RangeError(`StartingPages: page ${p} reported of ${this.pages}`);
      if (this.everReported[p] === 0) {
        this.everReported[p] = 1;
        this.everReportedList.push(p);
      }
    }
    this.fromZero = false;
  }

  /** A run failed (or the CPUs were started again): their memories start from zero next time. */
  lost(): void {
    this.fromZero = true;
    this.lastTouched = [];
  }
}
