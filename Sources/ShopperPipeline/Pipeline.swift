import Foundation
import ShopperIO
import ShopperInbox
import ShopperStore

/// What the pipeline tells whoever runs it (the daemon: journal, STATUS, watchdog, hooks).
package protocol PipelineObserver: Sendable {
    func batchStarted(_ entry: SpoolEntry) async
    func batchFinished(_ entry: SpoolEntry, outcome: BatchOutcome, files: [String]) async
    /// The batch cannot go on until something arrives (a champion); it stays in the spool.
    func batchWaiting(_ entry: SpoolEntry, reason: String) async
    /// A transient failure: the batch stays pending and is tried again after `delay`; the others go on.
    func retrying(_ entry: SpoolEntry?, error: PipelineError, attempt: Int, delay: Duration) async
    /// The daemon is stopping and leaves the batch pending for the next start: a stop cancelled it
    /// before its outcome was committed (nothing kept), or it failed while stopping (`reason`).
    func batchLeftPending(_ entry: SpoolEntry, reason: String) async
}

extension PipelineObserver {
    package func batchLeftPending(_ entry: SpoolEntry, reason: String) async {}
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
package actor Pipeline {
    package nonisolated let spool: Spool
    package nonisolated let store: ShopperStore
    package nonisolated let processor: BatchProcessor
    package nonisolated let outbox: OutboxWriter
    /// Backoff and ceiling of transient failures (docs/daemon.md, "Failures").
    package private(set) var retryPolicy = RetryPolicy()

    /// Entries waiting for a champion, with the champion version they last waited under.
    var waiting: [String: Int?] = [:]
    /// Per-entry attempts and next-try times of entries that failed transiently.
    var retries = RetryBook()
    /// Test seam: awaited after `batchStarted`, before the batch is processed, so a test can make a
    /// batch hang (the watchdog test), stall mid-way (the stop test) or fail. Never set in production.
    var beforeProcessing: (@Sendable (SpoolEntry) async throws -> Void)?

    /// - Parameter busyTimeout: how long a store write waits for another process's lock before the
    ///   batch is put back and retried with backoff (the daemon keeps it short, so a held lock
    ///   shows in STATUS and the journal instead of a silent wait).
    package init(inbox: String, outbox: String, state: String, settings: PipelineSettings,
                busyTimeout: Duration = .seconds(60)) throws(PipelineError) {
        do {
            spool = try Spool(inboxDirectory: inbox, stateDirectory: state)
            store = try ShopperStore.open(directory: URL(fileURLWithPath: state), busyTimeout: busyTimeout)
        } catch {
            throw PipelineError.wrap(error)
        }
        processor = BatchProcessor(store: store, spool: spool, settings: settings, stateDirectory: state)
        self.outbox = OutboxWriter(directory: outbox, store: store)
        // A process killed mid-write leaves its hidden temporary behind; nothing else would ever
        // remove it (the claim area's are removed by `Spool.pending`). Only an unfinished entry can
        // have one: outcomes are written before the job is marked delivered and inputs filed
        // before the entry leaves the spool. So an empty spool means nothing to sweep, and start-up
        // does not list an archive that grows with history.
        // A spool that cannot be listed now is reported by the drain's first listing (retried under
        // the key ""); the sweep waits for the next start.
        if let pending = try? spool.pending(), !pending.isEmpty {
            for directory in [outbox, spool.archiveDirectory, spool.quarantineDirectory] {
                AtomicFile.removeDeadTemporaries(in: directory)
            }
        }
    }

    /// Installs the test seam described at `beforeProcessing`.
    package func setBeforeProcessing(_ hook: (@Sendable (SpoolEntry) async throws -> Void)?) {
        beforeProcessing = hook
    }

    /// Sets the retry backoff (tests shorten it).
    package func setRetryDelay(_ first: Duration, max: Duration) {
        retryPolicy.firstDelay = first
        retryPolicy.maxDelay = max
    }

    /// Sets the whole retry policy (the daemon's `retry-delay-seconds` and `retry-limit-seconds`).
    package func setRetryPolicy(_ policy: RetryPolicy) {
        retryPolicy = policy
    }

    /// Claims an inbox entry (ignoring names still being written); nil when there was nothing to
    /// claim.
    @discardableResult
    package func claim(_ name: InboxFileName) throws(PipelineError) -> SpoolEntry? {
        guard !name.isIgnored else { return nil }
        do { return try spool.claim(name) } catch { throw .fileSystem(error) }
    }

    /// Entries still in the spool, oldest first.
    package func pending() throws(PipelineError) -> [SpoolEntry] {
        do { return try spool.pending() } catch { throw .fileSystem(error) }
    }

    /// How many pending entries are waiting for a champion.
    package var waitingCount: Int { waiting.count }

    /// How many pending entries wait for a retry after a transient failure.
    package var retryingCount: Int { retries.count }

    /// The most recent transient failure, `(category): text`, while some entry waits for a retry.
    package var latestFailure: String? { retries.count > 0 ? retries.latest : nil }

    /// When the earliest entry waiting for a retry is due (the daemon's loop wakes up then).
    package var nextRetry: ContinuousClock.Instant? { retries.nextTry() }

    /// Trains the first champion from a labelled file (`--bootstrap`) when the store has none: the
    /// file becomes a store version (unless its content is already stored) and the champion is
    /// trained on the store's labelled rows when they are enough evidence (`EvidenceRule`); until
    /// then the file is kept as data and the daemon starts without a champion. A file that can
    /// never be used (unreadable, invalid, no labelled row) is a configuration error,
    /// ``PipelineError/unusableBootstrap(path:reason:)``: restarting cannot mend it.
    package func bootstrap(from path: String) async throws(PipelineError) -> BootstrapResult {
        do {
            return try await processor.bootstrapChampion(from: path)
        } catch .model(let reason) {
            throw .unusableBootstrap(path: path, reason: reason)
        }
    }

    /// Writes the outbox files, records the delivery, and files the input away — in that order.
    /// Filing removes the entry from the spool, so it must be the last step: a crash after filing
    /// but before recording would leave the job undelivered in the store with nothing left to
    /// finish it (invariant (g) of the crash-consistency harness, Tests/Reliability). Recorded
    /// first, a crash before filing only means the entry is delivered again, with the same bytes.
    func finish(_ entry: SpoolEntry, _ job: JobRecord) throws(PipelineError) -> [String] {
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
}
