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
    private let eventSink: AsyncStream<MirrorEvent>.Continuation

    private var experimentIDs: [String: String] = [:]
    private var registeredModelReady = false
    var referenceCache = ReferenceCache()
    private var behind: Bool
    private var consecutiveFailedPasses = 0
    private var lastPassFailure: MirrorFailure?
    private var lastPassFailureAt: Date?

    private var passRunning = false
    private var passWaiters: [CheckedContinuation<Void, Never>] = []
    private var wakeUp: CheckedContinuation<Void, Never>?
    /// Whether the current wait ends on a nudge (the poll wait) or only on its timer (a backoff).
    private var wakeUpOnNudge = false
    private var nudged = false

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

    // MARK: - The background loop

    /// Mirrors until the calling task is cancelled: a pass, then a wait for `nudge()`, the next
    /// due retry or the poll interval; after a failed pass, exponential backoff (nudges do not cut
    /// a backoff short, so a stream of batches cannot hammer a server that is down).
    package func run() async {
        while !Task.isCancelled {
            let progress = await syncOnce()
            if Task.isCancelled { break }
            if progress.stoppedEarly {
                consecutiveFailedPasses += 1
                await wait(for: backoff(consecutiveFailedPasses), wakeOnNudge: false)
            } else {
                consecutiveFailedPasses = 0
                var delay = settings.pollInterval
                if let retry = progress.nextRetryAt {
                    delay = min(delay, .milliseconds(max(10, Int64(retry.timeIntervalSince(now()) * 1000))))
                }
                await wait(for: delay, wakeOnNudge: true)
            }
        }
        eventSink.finish()
    }

    /// Asks the background loop for a pass now (after a batch, a training, a promotion). Cheap;
    /// never waits for the server.
    package func nudge() {
        nudged = true
        guard wakeUpOnNudge else { return }  // a backoff runs its course; the nudge waits for the pass after it
        wake()
    }

    /// The pause after `failures` failed passes in a row: base · 2^(failures−1), at most the cap.
    func backoff(_ failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 30)
        let delay = settings.retryBase * (1 << exponent)
        return min(delay, settings.retryCap)
    }

    private func wait(for delay: Duration, wakeOnNudge: Bool) async {
        if wakeOnNudge && nudged {
            nudged = false
            return
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    wakeUp = continuation
                    wakeUpOnNudge = wakeOnNudge
                }
            }
        } onCancel: {
            Task { await self.wake() }
        }
        timer.cancel()
        if wakeOnNudge { nudged = false }
        // A nudge during a backoff stays pending: the pass after the backoff takes it.
    }

    private func wake() {
        wakeUp?.resume()
        wakeUp = nil
        wakeUpOnNudge = false
    }

    // MARK: - Status

    /// Where the mirror stands (read from the store; the last pass's own failure when the store
    /// itself cannot be read).
    package func status() -> MirrorStatus {
        do {
            var status = try MirrorStatus.read(store: store, target: settings.target)
            if status.lastError == nil, status.health != .caughtUp, let failure = lastPassFailure {
                status.lastError = failure.error
                status.lastErrorAt = lastPassFailureAt
            }
            return status
        } catch {
            return MirrorStatus(
                target: settings.target, health: .behind, pending: MirrorCounts(), mirrored: MirrorCounts(), failures: [],
                lastError: error.description, lastErrorAt: now(), lastSuccessAt: nil)
        }
    }

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

    // MARK: - Shared steps

    @discardableResult
    func storeCall<T>(_ body: () throws(StoreError) -> T) throws(MLflowError) -> T {
        do {
            return try body()
        } catch {
            throw .store(error)
        }
    }

    /// The MLflow version of a shopperd model, once mirrored.
    func registeredVersion(of model: Int) throws(MLflowError) -> String? {
        let target = settings.target
        let record = try storeCall { () throws(StoreError) in try store.mirrorRecord(target: target, kind: .model, key: String(model)) }
        guard let record, record.state == .done else { return nil }
        return record.registeredVersion
    }

    func experimentID(_ name: String) async throws(MLflowError) -> String {
        if let known = experimentIDs[name] { return known }
        let id = try await client.experimentID(named: name)
        experimentIDs[name] = id
        return id
    }

    func ensureRegisteredModel() async throws(MLflowError) {
        guard !registeredModelReady else { return }
        try await client.ensureRegisteredModel(
            name: settings.registeredModel,
            description: "Purchase-intent random forests trained by shopperd. The `champion` alias is the model that "
                + "serves; `challenger` a model under evaluation. Mirrored from shopperd's store, which is the source of truth.",
            tags: [MLflowTag(key: "shopperd.mirrored", value: "true")])
        registeredModelReady = true
    }

    /// Finds the entity's run (by its tag) or creates it, then completes it: params, metrics and
    /// tags, artifacts, and status FINISHED last — a FINISHED run has everything, so a replay
    /// that finds one skips it.
    func ensureRun(_ content: RunContent, experimentID: String) async throws(MLflowError) -> RunInfo {
        let run: Run
        var tags: [MLflowTag] = []
        if let existing = try await client.findRun(experimentID: experimentID, tag: content.entity.tag) {
            if existing.info.status == "FINISHED" { return existing.info }
            run = existing
            tags = content.tags  // set again: the earlier attempt may have stopped before the run had them all
        } else {
            run = try await client.createRun(experimentID: experimentID, name: content.runName, startTime: content.startTime,
                                             tags: content.tags)
        }
        let runID = run.info.run_id
        try await client.logBatch(runID: runID, params: content.params, metrics: content.metrics, tags: tags)
        if !content.artifacts.isEmpty {
            guard let artifactURI = run.info.artifact_uri else {
                throw .unexpectedResponse(endpoint: "runs/create", detail: "run \(runID) has no artifact_uri")
            }
            for artifact in content.artifacts {
                try await client.uploadArtifact(runArtifactURI: artifactURI, path: artifact.path, data: artifact.data,
                                                contentType: artifact.contentType)
            }
        }
        try await client.finishRun(runID: runID, endTime: content.startTime)
        return run.info
    }
}
