/**
 * Deliberate protocol bugs that tests switch on to check that the tests catch them
 * (mutation testing). Each names one line of the protocol it breaks. The protocol reads
 * `state.mutant` at the one place each bug lives; with no mutant set nothing changes.
 */
export const mutants = {
  noAckWait: 'the writer takes write access before all invalidation acks have arrived',
  forgetCopyset: 'the owner does not add a new reader to the copyset, so the reader is never invalidated',
  ownerKeepsWrite: 'the owner keeps write access after serving a read copy',
  earlyRelease: 'the manager serves the next request before the previous one is confirmed',
  dropQueued: 'the manager drops a request that had to wait in its per-page queue',
  doubleGrant: 'the lock manager grants a held lock to a waiter as well',
  earlyBarrier: 'the barrier releases when all but one CPU have arrived',
  writeAsRead: 'the manager handles a write request as a read (a bug of the seed paper\'s own code)',
  lostAck: 'a copy holder drops its copy but its INVALIDATE_ACK is lost',
  ownerKeepsCopy: 'the old owner keeps its read copy after handing the page to a writer',
  upgradeWithoutData: 'the owner never sends page bytes with a write grant, even to a CPU with no valid copy',
  noDowngradeOnInvalidate: 'a copy holder acknowledges an invalidation but keeps its read access',
} as const;

export type MutantName = keyof typeof mutants;

export const mutantNames = Object.keys(mutants) as MutantName[];

export function isMutantName(name: string): name is MutantName {
  return Object.prototype.hasOwnProperty.call(mutants, name);
}
