/**
 * The floor of a native fault: a worker thread that grants every fault of a region at once
 * (mprotect, then grant), with no protocol and no message. Used by benchmarks/native.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FaultService } from '../native/fault-service.js';
import { loadAddon, Region } from '../native/index.js';

const { regionId, pages, pageSize } = workerData as { regionId: number; pages: number; pageSize: number };
const addon = loadAddon();
const region = new Region(addon, pages, pageSize, { id: regionId });
const service = new FaultService(addon, {
  onStep() {},
  onFault(_region, offset, write) {
    region.setAccess(Math.floor(offset / pageSize), write ? 'write' : 'read');
    service.grant();
  },
});
parentPort!.postMessage('ready');
