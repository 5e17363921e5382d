import ShopperInbox
import ShopperStore

extension Pipeline {
    /// Takes every pending entry that can progress to its outcome, oldest first, and returns when
    /// none can now: the spool is empty, or what is left waits for a champion or for its retry.
    ///
    /// A failure is classified (``PipelineError/failureClass``): a permanent one gives the entry its
    /// outcome at once (rejected, the input in quarantine, the message saying what to do); a
    /// transient one schedules that entry's own retry and the drain goes on with the others. An
    /// entry whose retries pass the ceiling gets a final outcome the same way. Throws
    /// `CancellationError` when the calling task is cancelled (the entry in progress stays pending,
    /// nothing half done: ``PipelineObserver/batchLeftPending(_:reason:)``), and the store's error when
    /// the database is corrupt (nothing more is written).
    ///
    /// - Parameter patience: while some entry has failed fewer than `patience` times, wait for its
    ///   retry instead of returning (the default waits through every retry up to the ceiling; the
    ///   daemon's loop passes 0 and comes back at ``nextRetry``; `run --once` passes a few attempts).
    package func drain(observer: some PipelineObserver, until stop: @escaping @Sendable () -> Bool = { false },
                      patience: Int = .max) async throws {
        // A training paused for live scoring goes on once a stop is asked for, so that the batch
        // may still finish within the stop's grace.
        await processor.watchStop(stop)
        // The pending entries that can progress, oldest first, as last listed. Listing reads every
        // entry's sidecar, so it is done again only when this runs out, the champion changes (an
        // entry waiting for one may go on) or a retry came due — not before every batch: after an
        // inotify overflow the rescan claims a whole burst at once, and listing before each of
        // 1,000 batches would read half a million sidecars.
        var queue: [SpoolEntry] = []
        var listedUnder: Int??
        while true {
            try Task.checkCancellation()
            if stop() { return }
            // Only picks which waiting entries to list: on a store that cannot be read now, the
            // batch's own processing meets the same failure and reports it (retry, journal).
            let champion = try? await processor.championVersion()
            if queue.isEmpty || listedUnder != .some(champion) {
                queue = await list(observer: observer, champion: champion)
                listedUnder = .some(champion)
            }
            let now = ContinuousClock.now
            guard let index = queue.firstIndex(where: { retries.isDue($0.id, at: now) }) else {
                guard patience > 0, let due = retries.nextTry(below: patience) else { return }
                try await Task.sleep(until: due, clock: .continuous)
                queue = []
                continue
            }
            let entry = queue.remove(at: index)
            try await withoutActuallyEscaping(stop) { stopping in
                try await take(entry, champion: champion, observer: StopAwareObserver(base: observer, stopping: stopping))
            }
        }
    }

    /// The pending entries that may progress under `champion`; a failure to list is retried like a
    /// batch's (under the key `""`).
    private func list(observer: some PipelineObserver, champion: Int?) async -> [SpoolEntry] {
        let entries: [SpoolEntry]
        do {
            entries = try pending()
            retries.clear("")
        } catch {
            let (record, delay) = retries.fail("", error, policy: retryPolicy, now: .now)
            await observer.retrying(nil, error: error, attempt: record.attempts, delay: delay)
            return []
        }
        let listed = Set(entries.map(\.id))
        waiting = waiting.filter { id, _ in listed.contains(id) }
        retries.keep(only: listed)
        // An entry waiting for a champion is listed again once the champion differs from the one it waited under.
        return entries.filter { entry in waiting[entry.id].map { $0 != champion } ?? true }
    }

    /// One attempt at one entry: process (commits its outcome), then deliver and file it.
    private func take(_ entry: SpoolEntry, champion: Int?, observer: some PipelineObserver) async throws {
        await observer.batchStarted(entry)
        let outcome: BatchOutcome
        do {
            if let beforeProcessing { try await beforeProcessing(entry) }
            outcome = try await processor.process(entry)
        } catch {
            try await failedBeforeCommit(entry, PipelineError.wrap(error), champion: champion, observer: observer)
            return
        }
        try await deliver(entry, outcome, observer: observer)
    }

    /// Delivers and files a committed outcome. Its failures are always retried: the outcome is
    /// decided and recorded, only its delivery is left, and no other outcome can replace it.
    private func deliver(_ entry: SpoolEntry, _ outcome: BatchOutcome, observer: some PipelineObserver) async throws {
        do {
            let files = try finish(entry, outcome.job)
            waiting[entry.id] = nil
            retries.clear(entry.id)
            await observer.batchFinished(entry, outcome: outcome, files: files)
        } catch {
            try await stopIfFatal(entry, error, observer: observer)
            let (record, delay) = retries.fail(entry.id, error, policy: retryPolicy, now: .now)
            await observer.retrying(entry, error: error, attempt: record.attempts, delay: delay)
        }
    }

    /// Nothing was committed for the entry: wait for a champion, retry it later, or give it its
    /// final outcome now.
    private func failedBeforeCommit(_ entry: SpoolEntry, _ error: PipelineError, champion: Int?,
                                    observer: some PipelineObserver) async throws {
        try await stopIfFatal(entry, error, observer: observer)
        if case .waitingForChampion(let reason) = error {
            waiting[entry.id] = champion
            retries.clear(entry.id)
            await observer.batchWaiting(entry, reason: reason)
            return
        }
        let now = ContinuousClock.now
        let (record, delay) = retries.fail(entry.id, error, policy: retryPolicy, now: now)
        if let final = retryPolicy.giveUp(error, record, now: now) {
            let rejection: BatchOutcome
            do {
                rejection = try await processor.rejectFinally(entry, reason: final.reason(entry.name, error))
            } catch {
                // The final outcome cannot be recorded either (a fault of the whole store): the
                // entry stays pending and is processed afresh at its next try.
                try await stopIfFatal(entry, error, observer: observer)
                await observer.retrying(entry, error: error, attempt: record.attempts, delay: delay)
                return
            }
            try await deliver(entry, rejection, observer: observer)
            return
        }
        await observer.retrying(entry, error: error, attempt: record.attempts, delay: delay)
    }

    /// Rethrows what must end the drain: a stop (the entry stays pending, nothing committed) or a
    /// corrupt store (retrying cannot mend it, and carrying on could bury the damage).
    private func stopIfFatal(_ entry: SpoolEntry, _ error: PipelineError, observer: some PipelineObserver) async throws {
        if error.isCancellation || Task.isCancelled {
            await observer.batchLeftPending(entry, reason: PipelineError.cancelled.description)
            throw CancellationError()
        }
        if error.failureClass == .fatal { throw error }
    }
}

/// Passes the drain's reports on, except that a transient failure while the daemon is stopping is
/// not announced as "retrying in N ms" (this process will not retry it): the batch is left pending
/// for the next start, and the report says so.
private struct StopAwareObserver<Base: PipelineObserver>: PipelineObserver {
    let base: Base
    let stopping: @Sendable () -> Bool

    func batchStarted(_ entry: SpoolEntry) async { await base.batchStarted(entry) }
    func batchFinished(_ entry: SpoolEntry, outcome: BatchOutcome, files: [String]) async {
        await base.batchFinished(entry, outcome: outcome, files: files)
    }
    func batchWaiting(_ entry: SpoolEntry, reason: String) async { await base.batchWaiting(entry, reason: reason) }
    func batchLeftPending(_ entry: SpoolEntry, reason: String) async { await base.batchLeftPending(entry, reason: reason) }
    func retrying(_ entry: SpoolEntry?, error: PipelineError, attempt: Int, delay: Duration) async {
        if let entry, stopping() {
            await base.batchLeftPending(entry, reason: "it failed while the daemon was stopping: \(error)")
        } else {
            await base.retrying(entry, error: error, attempt: attempt, delay: delay)
        }
    }
}
