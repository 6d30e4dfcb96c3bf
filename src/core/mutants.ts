/**
 * Deliberate protocol bugs that tests switch on to check that the tests catch them
 * (mutation testing). Each names one line of a protocol it breaks. A protocol reads
 * `state.mutant` at the one place each bug lives; with no mutant set nothing changes.
 *
 * A protocol says which mutants it implements (`Protocol.mutants`); every tool refuses a
 * mutant the protocol lacks (registry.ts `checkMutant`), because a mutant that is not there
 * would test nothing and report "passed". A bug of the same kind in two protocols has one
 * name (forgetCopyset is the same omission in IVY and in the dynamic manager).
 */
export const mutants = {
  // IVY (ivy, ivy-central); the ones marked * also in ivy-dynamic.
  noAckWait: 'the writer takes write access before all invalidation acks have arrived',
  forgetCopyset: 'the owner does not add a new reader to the copyset, so the reader is never invalidated', // *
  ownerKeepsWrite: 'the owner keeps write access after serving a read copy', // *
  earlyRelease: 'the manager serves the next request before the previous one is confirmed',
  dropQueued: 'the manager drops a request that had to wait in its per-page queue',
  writeAsRead: 'the manager handles a write request as a read (a bug of the seed paper\'s own code)',
  lostAck: 'a copy holder drops its copy but its INVALIDATE_ACK is lost', // *
  ownerKeepsCopy: 'the old owner keeps its read copy after handing the page to a writer',
  upgradeWithoutData: 'the owner never sends page bytes with a write grant, even to a CPU with no valid copy',
  noDowngradeOnInvalidate: 'a copy holder acknowledges an invalidation but keeps its read access', // *
  // Locks and the barrier (sync.ts): every built-in protocol.
  doubleGrant: 'the lock manager grants a held lock to a waiter as well',
  earlyBarrier: 'the barrier releases when all but one CPU have arrived',
  // IVY with the dynamic distributed manager (ivy-dynamic).
  writerNotTail: 'a writer does not point its probable owner at itself when it sends its request, so it never becomes the tail',
  readMovesHint: 'a CPU that forwards a read request points its probable owner at the reader, which will not own the page',
  ownerKeepsHint: 'the owner that hands the page to a writer keeps its probable owner pointing at itself',
  serveDuringWrite: 'the owner serves a request while its own write fault still waits for acks, instead of queueing it',
  installStaleCopy: 'a reader installs a read copy that an invalidation overtook on its way',
  dropQueuedAtTail: 'a new owner drops the requests queued behind its write instead of serving them',
  // Home-based lazy release consistency (hlrc).
  noDiffAtRelease: 'a release sends no diffs home, so its writes to pages of other homes never reach them',
  releaseBeforeDiffAck: 'a release sends its UNLOCK or BARRIER_ARRIVE before the home acknowledged its diffs',
  ignoreWriteNotice: 'an acquirer records write notices but does not invalidate the pages they name',
  unnoticedWrite: 'a write to a page with a valid read copy is left out of the interval\'s write notice',
  grantWithoutNotices: 'the lock manager grants a lock without the write notices the acquirer lacks',
  diffNotApplied: 'the home acknowledges a diff without applying it to its copy',
  noTransitiveNotices: 'a release passes on only its own write notices, not those it learned from other CPUs',
} as const;

export type MutantName = keyof typeof mutants;

export const mutantNames = Object.keys(mutants) as MutantName[];

export function isMutantName(name: string): name is MutantName {
  return Object.prototype.hasOwnProperty.call(mutants, name);
}

const syncMutants = ['doubleGrant', 'earlyBarrier'] as const satisfies readonly MutantName[];

/** The mutants of each built-in protocol, in the order `--list-mutants` shows them. */
export const builtinMutants = {
  ivy: [
    'noAckWait', 'forgetCopyset', 'ownerKeepsWrite', 'earlyRelease', 'dropQueued', ...syncMutants, 'writeAsRead', 'lostAck',
    'ownerKeepsCopy', 'upgradeWithoutData', 'noDowngradeOnInvalidate',
  ],
  'ivy-dynamic': [
    'writerNotTail', 'readMovesHint', 'ownerKeepsHint', 'serveDuringWrite', 'installStaleCopy', 'dropQueuedAtTail',
    'forgetCopyset', 'ownerKeepsWrite', 'lostAck', 'noDowngradeOnInvalidate', ...syncMutants,
  ],
  hlrc: [
    'noDiffAtRelease', 'releaseBeforeDiffAck', 'ignoreWriteNotice', 'unnoticedWrite', 'grantWithoutNotices', 'diffNotApplied',
    'noTransitiveNotices', ...syncMutants,
  ],
} as const satisfies Record<string, readonly MutantName[]>;

/** The `Protocol.mutants` table for a list of built-in mutants: name → what it breaks. */
export function describeMutants(names: readonly MutantName[]): Readonly<Record<string, string>> {
  return Object.freeze(Object.fromEntries(names.map((m) => [m, mutants[m]])));
}
