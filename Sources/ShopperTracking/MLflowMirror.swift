import Foundation
import ShopperStore

/// Mirrors the store into an MLflow tracking server, off the batch path.
///
/// The store is the source of truth and the durable queue: each pass asks the store what the
/// destination has not received (`mirrorBacklog`) and replays it in its natural order — models by
/// version, alias changes by history id, drift-checked jobs by processing time — recording each
/// success or failure in `mlflow_mirror`. Nothing is enqueued by the pipeline, so nothing can be
/// lost by a crash or a server outage.
///
/// Every write is idempotent: runs carry a `shopperd.entity` tag and are searched for before one
/// is created; model versions are searched for by run id; artifacts are PUT (same path, same
/// bytes); metrics carry the entity's own timestamp, which MLflow de-duplicates; alias changes
/// are replayed in order, so the last one wins. A crash between "written to MLflow" and "recorded
/// in the store" therefore never duplicates anything.
///
/// Failures: when the server is unavailable (no answer, 5xx) the pass stops and the background
/// loop backs off exponentially up to `retryCap`. An error that concerns one entity (a 4xx, an
/// unreadable stored entity) is recorded against it with its own backoff and the pass goes on;
/// alias changes stay strictly ordered (a later one never overtakes an earlier one), and an
/// alias waits until its model is on the server.
package actor MLflowMirror {
    package let settings: MLflowSettings
    let store: ShopperStore
    let client: MLflowClient
    let now: @Sendable () -> Date

    /// Standing changes ("falling behind", "caught up"), for the journal.
    package nonisolated let events: AsyncStream<MirrorEvent>
    let eventSink: AsyncStream<MirrorEvent>.Continuation

    var experimentIDs: [String: String] = [:]
    var registeredModelReady = false
    var referenceCache = ReferenceCache()
    private var behind: Bool
    var consecutiveFailedPasses = 0
    private(set) var lastPassFailure: MirrorFailure?
    private(set) var lastPassFailureAt: Date?

    private var passRunning = false
    private var passWaiters: [CheckedContinuation<Void, Never>] = []
    var wakeUp: CheckedContinuation<Void, Never>?
    /// Whether the current wait ends on a nudge (the poll wait) or only on its timer (a backoff).
    var wakeUpOnNudge = false
    var nudged = false

    /// - Parameters:
    ///   - transport: how requests reach the server; nil for the real one (URLSession).
    ///   - now: the clock (tests move it to make backoff deadlines pass).
    package init(store: ShopperStore, settings: MLflowSettings, transport: (any HTTPTransport)? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.client = MLflowClient(settings: settings, transport: transport)
        self.now = now
        (events, eventSink) = AsyncStream.makeStream(of: MirrorEvent.self, bufferingPolicy: .bufferingNewest(64))
        // A mirror that was behind when the process stopped says so when it catches up.
        // Only decides whether a "caught up" event follows the first clean pass; a store that cannot
        // be read fails that pass, which reports it.
        behind = ((try? store.mirrorRecords(target: settings.target, state: .failed)) ?? []).isEmpty == false
    }

    deinit { eventSink.finish() }

    // MARK: - One pass

    /// One pass over everything pending. Passes never overlap: a call during a pass waits for it.
    ///
    /// - Parameter force: retry failed entities now, ignoring their backoff (`shopperd mlflow sync`).
    package func syncOnce(force: Bool = false) async -> MirrorProgress {
        await acquirePass()
        defer { releasePass() }
        var progress = MirrorProgress()
        do {
            try await pass(force: force, progress: &progress)
        } catch {
            // Only store failures get here: server errors are recorded against their entity.
            progress.stoppedEarly = true
            progress.failed.append(MirrorFailure(entity: "store", error: error.description, serverUnavailable: false))
        }
        do {
            let backlog = try store.mirrorBacklog(target: settings.target)
            progress.pending = MirrorCounts(models: backlog.models.count, aliasChanges: backlog.aliasChanges.count,
                                            jobs: backlog.jobs.count)
            afterPass(progress)
        } catch {
            // Not "nothing pending" (that would announce a catch-up): the pass says it could not count.
            let failure = MirrorFailure(entity: "store", error: "cannot count what is pending: \(error)", serverUnavailable: false)
            progress.failed.append(failure)
            lastPassFailure = failure
            lastPassFailureAt = now()
        }
        return progress
    }

    private func acquirePass() async {
        if passRunning {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in passWaiters.append(continuation) }
        } else {
            passRunning = true
        }
    }

    private func releasePass() {
        if passWaiters.isEmpty {
            passRunning = false
        } else {
            passWaiters.removeFirst().resume()  // the pass is handed over, still running
        }
    }

    private func pass(force: Bool, progress: inout MirrorProgress) async throws(MLflowError) {
        let target = settings.target
        let backlog = try storeCall { () throws(StoreError) in try store.mirrorBacklog(target: target) }
        guard !backlog.isEmpty else { return }
        defer { progress.waiting = backlog.count - progress.mirrored.total - progress.failed.count }
        let failedRecords = try storeCall { () throws(StoreError) in try store.mirrorRecords(target: target, state: .failed) }
        var notBefore: [String: Date] = [:]
        for record in failedRecords { if let next = record.nextAttemptAt { notBefore["\(record.kind.rawValue):\(record.key)"] = next } }
        let start = now()
        func isDue(_ entity: MirrorEntity) -> Bool {
            guard !force, let next = notBefore[entity.description], next > start else { return true }
            progress.nextRetryAt = min(progress.nextRetryAt ?? next, next)
            return false
        }

        // Models, by version. One that fails on its own does not hold back the next.
        for version in backlog.models {
            let entity = MirrorEntity.model(version: version)
            guard isDue(entity) else { continue }
            let outcome = try await attempt(entity, progress: &progress) { () async throws(MLflowError) in
                try await self.mirrorModel(version)
            }
            if outcome == .stop { return }
        }
        // Alias changes, strictly in history order: a change that cannot go yet holds back the rest.
        let entries = try storeCall { () throws(StoreError) in try store.aliasHistoryEntries(ids: backlog.aliasChanges) }
        for entry in entries {
            let entity = MirrorEntity.aliasChange(id: entry.id)
            guard isDue(entity) else { break }
            // Its model is not on the server yet (it failed above, or is not due): wait for it.
            if let model = entry.change.toVersion, try registeredVersion(of: model) == nil { break }
            let outcome = try await attempt(entity, progress: &progress) { () async throws(MLflowError) in
                try await self.mirrorAlias(entry)
            }
            if outcome == .stop { return }
            if outcome == .failed { break }
        }
        // Drift-checked jobs, in processing order. One that fails on its own does not hold back the next.
        for id in backlog.jobs {
            let entity = MirrorEntity.job(id: id)
            guard isDue(entity) else { continue }
            let outcome = try await attempt(entity, progress: &progress) { () async throws(MLflowError) in
                try await self.mirrorJob(id)
            }
            if outcome == .stop { return }
        }
    }

    enum AttemptOutcome {
        case mirrored
        /// This entity failed; the pass goes on.
        case failed
        /// The server is unavailable or the task was cancelled: the pass stops.
        case stop
    }

    /// Mirrors one entity and records the outcome; throws only when the store cannot record it.
    private func attempt(
        _ entity: MirrorEntity, progress: inout MirrorProgress,
        body: () async throws(MLflowError) -> MirrorLocation
    ) async throws(MLflowError) -> AttemptOutcome {
        if Task.isCancelled {
            progress.stoppedEarly = true
            return .stop
        }
        let target = settings.target
        do {
            let location = try await body()
            let at = now()
            try storeCall { () throws(StoreError) in
                try store.recordMirrored(target: target, kind: entity.kind, key: entity.key, location: location, at: at)
            }
            progress.mirrored[entity.kind] += 1
            return .mirrored
        } catch .store(let error) {
            throw .store(error)
        } catch {
            // A request cut short by cancellation (shutdown) is not the entity's failure.
            if Task.isCancelled {
                progress.stoppedEarly = true
                return .stop
            }
            let unavailable = error.isServerUnavailable
            let at = now()
            let previous = try storeCall { () throws(StoreError) in
                try store.mirrorRecord(target: target, kind: entity.kind, key: entity.key)
            }?.attempts ?? 0
            // Server-wide trouble is paced by the pass backoff; an entity's own error by its own.
            let next: Date? = unavailable ? nil : at.addingTimeInterval(backoff(previous + 1).seconds)
            let message = error.description
            try storeCall { () throws(StoreError) in
                try store.recordMirrorFailure(target: target, kind: entity.kind, key: entity.key, error: message, at: at,
                                              nextAttemptAt: next)
            }
            progress.failed.append(MirrorFailure(entity: entity.description, error: message, serverUnavailable: unavailable))
            if let next { progress.nextRetryAt = min(progress.nextRetryAt ?? next, next) }
            if unavailable {
                progress.stoppedEarly = true
                return .stop
            }
            return .failed
        }
    }

    private func afterPass(_ progress: MirrorProgress) {
        if let failure = progress.failed.last {
            lastPassFailure = failure
            lastPassFailureAt = now()
        }
        let pending = progress.pending.total
        if !progress.failed.isEmpty && pending > 0 && !behind {
            behind = true
            eventSink.yield(.fallingBehind(status()))
        } else if pending == 0 && behind {
            behind = false
            lastPassFailure = nil
            eventSink.yield(.caughtUp(status()))
        }
    }
}
