import Foundation
import ShopperStore

/// What the pipeline tells whoever runs it (the daemon: journal, STATUS, watchdog, hooks).
public protocol PipelineObserver: Sendable {
    func batchStarted(_ entry: SpoolEntry) async
    func batchFinished(_ entry: SpoolEntry, outcome: BatchOutcome, files: [String]) async
    /// The batch cannot go on until something arrives (a champion); it stays in the spool.
    func batchWaiting(_ entry: SpoolEntry, reason: String) async
    /// A transient failure: the batch stays pending and is tried again after `delay`.
    func retrying(_ entry: SpoolEntry?, error: PipelineError, attempt: Int, delay: Duration) async
}

/// The daemon's work queue: claims inbox files into the spool and takes each pending entry to its
/// outcome, one at a time, in arrival order.
///
/// The order of effects is what makes "exactly one outcome per input" hold through crashes:
/// claim (atomic rename) → process (one store transaction that records the job) → write the outbox
/// files (from the store, atomically) → mark delivered → file the input in archive/quarantine. A
/// crash between any two steps leaves the entry in the spool; on restart `process` finds the
/// recorded job and the later steps run again, writing the same bytes. Filing comes last because it
/// takes the entry out of the spool: whatever is not done by then is never retried.
public actor Pipeline {
    public nonisolated let spool: Spool
    public nonisolated let store: ShopperStore
    public nonisolated let processor: BatchProcessor
    public nonisolated let outbox: OutboxWriter
    /// First delay after a transient failure; doubles up to `maxRetryDelay`.
    public var retryDelay: Duration = .milliseconds(500)
    public var maxRetryDelay: Duration = .seconds(30)
    /// How many times an input that keeps changing while read is tried before it is rejected.
    public var maxChangingAttempts = 10

    /// Entries waiting for a champion, with the champion version they last waited under.
    private var waiting: [String: Int?] = [:]
    /// Test seam: awaited after `batchStarted`, before the batch is processed, so a test can make a
    /// batch hang (the watchdog test) or stall mid-way (the stop test). Never set in production.
    private var beforeProcessing: (@Sendable (SpoolEntry) async throws -> Void)?

    /// - Parameter busyTimeout: how long a store write waits for another process's lock before the
    ///   batch is put back and retried with backoff (the daemon keeps it short, so a held lock
    ///   shows in STATUS and the journal instead of a silent wait).
    public init(inbox: String, outbox: String, state: String, settings: PipelineSettings,
                busyTimeout: Duration = .seconds(60)) throws(PipelineError) {
        do {
            spool = try Spool(inboxDirectory: inbox, stateDirectory: state)
            store = try ShopperStore.open(directory: URL(fileURLWithPath: state), busyTimeout: busyTimeout)
        } catch {
            throw PipelineError.wrap(error)
        }
        processor = BatchProcessor(store: store, spool: spool, settings: settings)
        self.outbox = OutboxWriter(directory: outbox, store: store)
        // A process killed mid-write leaves its hidden temporary behind; nothing else would ever
        // remove it (the claim area's are removed by `Spool.pending`). Only an unfinished entry can
        // have one: outcomes are written before the job is marked delivered and inputs filed
        // before the entry leaves the spool. So an empty spool means nothing to sweep, and start-up
        // does not list an archive that grows with history.
        if let pending = try? spool.pending(), !pending.isEmpty {
            for directory in [outbox, spool.archiveDirectory, spool.quarantineDirectory] {
                AtomicFile.removeDeadTemporaries(in: directory)
            }
        }
    }

    /// Installs the test seam described at `beforeProcessing`.
    public func setBeforeProcessing(_ hook: (@Sendable (SpoolEntry) async throws -> Void)?) {
        beforeProcessing = hook
    }

    /// Sets the retry backoff (tests shorten it).
    public func setRetryDelay(_ first: Duration, max: Duration) {
        retryDelay = first
        maxRetryDelay = max
    }

    /// Claims an inbox entry (ignoring names still being written); nil when there was nothing to
    /// claim.
    @discardableResult
    public func claim(_ name: InboxFileName) throws(PipelineError) -> SpoolEntry? {
        guard !name.isIgnored else { return nil }
        do { return try spool.claim(name) } catch { throw .fileSystem(error) }
    }

    /// Entries still in the spool, oldest first.
    public func pending() throws(PipelineError) -> [SpoolEntry] {
        do { return try spool.pending() } catch { throw .fileSystem(error) }
    }

    /// How many pending entries are waiting for a champion.
    public var waitingCount: Int { waiting.count }

    /// Takes every pending entry that can progress to its outcome. Returns when none can (the
    /// spool is empty, or what is left waits for a champion); throws `CancellationError` when the
    /// calling task is cancelled between two steps (nothing is half done), and the store's error
    /// when the database is corrupt (the batch stays pending; nothing more is written).
    public func drain(observer: some PipelineObserver, until stop: @Sendable () -> Bool = { false }) async throws {
        var failures = 0
        var changing: [String: Int] = [:]
        // The pending entries that can progress, oldest first, as last listed. Listing reads every
        // entry's sidecar, so it is done again only when this runs out, the champion changes (an
        // entry waiting for one may go on) or something failed — not before every batch: after an
        // inotify overflow the rescan claims a whole burst at once, and listing before each of
        // 1,000 batches would read half a million sidecars.
        var queue: [SpoolEntry] = []
        var listedUnder: Int?
        while true {
            try Task.checkCancellation()
            let champion = try? await processor.championVersion()
            if queue.isEmpty || listedUnder != champion {
                let entries: [SpoolEntry]
                do {
                    entries = try pending()
                } catch {
                    failures += 1
                    try await backoff(nil, error, attempt: failures, observer: observer)
                    continue
                }
                let listed = Set(entries.map(\.id))
                waiting = waiting.filter { id, _ in listed.contains(id) }
                queue = entries.filter { waiting[$0.id] == nil || waiting[$0.id]! != champion }
                listedUnder = champion
            }
            guard !stop(), let entry = queue.first else { return }
            try Task.checkCancellation()
            await observer.batchStarted(entry)
            if let beforeProcessing { try await beforeProcessing(entry) }
            do {
                let outcome = try await processor.process(entry)
                let files = try finish(entry, outcome.job)
                waiting[entry.id] = nil
                changing[entry.id] = nil
                failures = 0
                queue.removeFirst()
                await observer.batchFinished(entry, outcome: outcome, files: files)
            } catch .store(let error) where error.isCorruption {
                // Retrying cannot mend a damaged database, and carrying on could bury the damage
                // under new writes: stop, leaving the file and the pending batch for the operator.
                throw PipelineError.store(error)
            } catch .waitingForChampion(let reason) {
                waiting[entry.id] = champion
                queue.removeFirst()
                await observer.batchWaiting(entry, reason: reason)
            } catch .inputStillChanging(let name) {
                let attempts = (changing[entry.id] ?? 0) + 1
                changing[entry.id] = attempts
                queue = []
                if attempts >= maxChangingAttempts {
                    let outcome = try await rejectChanging(entry, name: name, attempts: attempts)
                    changing[entry.id] = nil
                    await observer.batchFinished(entry, outcome: outcome, files: try finish(entry, outcome.job))
                } else {
                    try await backoff(entry, .inputStillChanging(name), attempt: attempts, observer: observer)
                }
            } catch {
                failures += 1
                queue = []
                try await backoff(entry, error, attempt: failures, observer: observer)
            }
        }
    }

    /// Trains the first champion from a labelled file (`--bootstrap`) when the store has none: the
    /// file becomes a store version (unless its content is already stored) and the champion is
    /// trained on the store's labelled rows when they are enough evidence (`EvidenceRule`).
    public func bootstrap(from path: String) async throws(PipelineError) -> BootstrapResult {
        try await processor.bootstrapChampion(from: path)
    }

    /// Writes the outbox files, records the delivery, and files the input away — in that order.
    /// Filing removes the entry from the spool, so it must be the last step: a crash after filing
    /// but before recording would leave the job undelivered in the store with nothing left to
    /// finish it (invariant (g) of the crash-consistency harness, Tests/Reliability). Recorded
    /// first, a crash before filing only means the entry is delivered again, with the same bytes.
    private func finish(_ entry: SpoolEntry, _ job: JobRecord) throws(PipelineError) -> [String] {
        let files = try outbox.deliver(job)
        do {
            try store.markDelivered(jobID: job.id)
            switch job.outcome {
            case .scored, .stored: try spool.archive(entry)
            case .rejected, .duplicate: try spool.quarantine(entry)
            }
        } catch {
            throw PipelineError.wrap(error)
        }
        return files
    }

    private func rejectChanging(_ entry: SpoolEntry, name: String, attempts: Int) async throws(PipelineError) -> BatchOutcome {
        try await processor.rejectUnsettled(entry, reason:
            "\(name) kept changing while it was read (\(attempts) attempts): its writer never finished; write it under a .tmp name and rename it into the inbox when complete")
    }

    private func backoff(_ entry: SpoolEntry?, _ error: PipelineError, attempt: Int, observer: some PipelineObserver) async throws {
        var delay = retryDelay
        for _ in 1..<min(attempt, 16) { delay = min(delay * 2, maxRetryDelay) }
        await observer.retrying(entry, error: error, attempt: attempt, delay: delay)
        try await Task.sleep(for: delay)
    }
}
