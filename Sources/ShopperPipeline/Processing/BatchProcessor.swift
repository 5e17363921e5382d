import Foundation
import ShopperCore
import ShopperDrift
import ShopperInbox
import ShopperML
import ShopperStore

/// One batch's life, from its claimed bytes to its committed outcome: read and validate (a refused
/// input is rejected, a known content a duplicate) → plan: with a champion, drift check, scoring,
/// realised performance and the retrain rule (`RetrainPolicy`, `+Retrain`); without one, the first
/// champion (`+FirstChampion`) → commit: one store transaction holding the new version, any new
/// model and alias changes, the predictions, the realised performance and the job's report
/// (`+Commit`, shared with `--bootstrap FILE`).
///
/// Everything before the transaction only reads, so a crash or a stop anywhere before it leaves
/// nothing behind, and a crash after it leaves a complete outcome: `process` on the same spool entry
/// then returns the recorded job instead of doing the work twice.
package actor BatchProcessor {
    package nonisolated let store: ShopperStore
    package nonisolated let catalog: ModelCatalog
    package nonisolated let spool: Spool
    package private(set) var settings: PipelineSettings
    /// The serving model and its reference, until the champion changes (`currentChampion`, `commit`).
    var championCache: Champion?
    /// Live scoring on the same state directory (`shopperd serve`), which trainings yield to.
    nonisolated let servingLoad: ServingLoad?

    /// `stateDirectory`: where `shopperd serve` keeps its `ServingActivity` count (nil: trainings
    /// never yield).
    package init(store: ShopperStore, spool: Spool, settings: PipelineSettings, stateDirectory: String? = nil) {
        self.store = store
        self.catalog = ModelCatalog(store: store)
        self.spool = spool
        self.settings = settings
        servingLoad = stateDirectory.map { ServingLoad(directory: URL(fileURLWithPath: $0)) }
    }

    /// Whether the daemon is stopping (`watchStop`).
    private var stopRequested: @Sendable () -> Bool = { false }

    /// Makes trainings stop pausing for live scoring once `stop` says the daemon is stopping.
    package func watchStop(_ stop: @escaping @Sendable () -> Bool) {
        stopRequested = stop
    }

    /// What a training asks between jobs: whether live scoring answers at least
    /// `training.yield-above` requests a second and the daemon is not stopping (nil: never yield).
    var trainingYield: (@Sendable () -> Bool)? {
        guard let servingLoad, let threshold = settings.trainingYieldAbove else { return nil }
        let stopping = stopRequested
        return { !stopping() && servingLoad.isBusy(threshold: threshold) }
    }

    /// Applies new settings (a config reload); the next batch uses them.
    package func update(_ settings: PipelineSettings) {
        self.settings = settings
    }

    /// The champion's version, or nil while there is none.
    package func championVersion() throws(PipelineError) -> Int? {
        do { return try store.aliases()[.champion] } catch { throw .store(error) }
    }

    /// Processes one claimed entry to its committed outcome (or returns the outcome recorded before
    /// a crash). Throws only when the batch must wait: it stays in the spool.
    package func process(_ entry: SpoolEntry, receivedAt: Date = Date()) async throws(PipelineError) -> BatchOutcome {
        do {
            if let job = try store.job(id: entry.id) { return BatchOutcome(job: job) }
            return try await prepareAndCommit(entry, receivedAt: receivedAt)
        } catch {
            throw PipelineError.wrap(error)
        }
    }

    // MARK: - Read → plan → commit

    private func prepareAndCommit(_ entry: SpoolEntry, receivedAt: Date) async throws -> BatchOutcome {
        var lap = Lap()
        let batch: ParsedBatch
        switch try read(entry, lap: &lap) {
        case .rejected(let outcome): return outcome
        case .parsed(let parsed): batch = parsed
        }
        if let existing = try store.version(sha256: batch.sha256) {
            return try rejectDuplicate(entry, of: existing)
        }
        let baseVersion = try store.currentVersion()
        let prepared: PreparedBatch
        if let champion = try currentChampion() {
            prepared = try await plan(entry, batch, champion: champion, baseVersion: baseVersion, receivedAt: receivedAt, lap: &lap)
        } else {
            prepared = try await planFirstChampion(entry, batch, baseVersion: baseVersion, receivedAt: receivedAt, timings: &lap.timings)
        }
        let committed = try commit(prepared, timings: lap.timings, started: lap.started)
        guard let job = committed.job else { throw PipelineError.model("internal: the commit of \(entry.name) recorded no job") }
        var outcome = BatchOutcome(job: job, report: committed.report, retrainSkipped: prepared.skipped)
        outcome.rolloutStep = committed.rolloutStep
        return outcome
    }

    private enum ReadResult {
        case parsed(ParsedBatch)
        /// Refused: its outcome is committed.
        case rejected(BatchOutcome)
    }

    /// Reads and validates the claimed bytes; an input that can never be processed is rejected.
    private func read(_ entry: SpoolEntry, lap: inout Lap) throws -> ReadResult {
        let content = try InputFile.read(path: spool.dataPath(entry), maxBytes: settings.maxFileBytes)
        lap.timings.read = lap.next()
        let bytes: [UInt8]
        switch content {
        case .refused(let reason):
            return .rejected(try reject(entry, reason: "\(entry.name): \(reason)", issues: [], issueCount: 0))
        case .changedWhileReading:
            throw PipelineError.inputStillChanging(entry.name.description)
        case .bytes(let read):
            bytes = read
        }
        do {
            let batch = try BatchReader(policy: settings.invalidRowPolicy, maxBytes: settings.maxFileBytes)
                .read(bytes: bytes, fileName: entry.name.description)
            lap.timings.validate = lap.next()
            return .parsed(batch)
        } catch {
            let count: Int
            switch error {
            case .invalidRows(_, _, let issueCount, _, _), .noValidRows(_, _, let issueCount, _): count = issueCount
            default: count = error.issues.count
            }
            let reason = "\(error.file): \(error.summary). \(error.advice(keepValidRows: settings.keepValidRowsAdvice))"
            return .rejected(try reject(entry, reason: reason, issues: error.issues, issueCount: count))
        }
    }

    /// With a champion: drift check, scoring, realised performance, the retrain rule, and the
    /// promoted challenger's predictions when it serves.
    private func plan(
        _ entry: SpoolEntry, _ batch: ParsedBatch, champion: Champion, baseVersion: Int, receivedAt: Date, lap: inout Lap
    ) async throws -> PreparedBatch {
        let drift = try DriftDetector(config: settings.drift).check(batch.sessions, against: champion.reference)
        lap.timings.drift = lap.next()
        let championPredictions = try await ModelCatalog.score(batch.sessions, with: champion.model)
        lap.timings.score = lap.next()
        let realised = batch.isLabelled ? realisedPerformance(of: champion, on: batch.sessions, predictions: championPredictions) : nil

        // One read for the batch: the rollout of this champion, if one runs (it shapes the retrain
        // rule and the scoring).
        let running = try store.runningRollout().flatMap { $0.championVersion == champion.version ? $0 : nil }
        let retrain = try await decideRetrain(drift: drift, realised: realised, champion: champion, batch: batch, baseVersion: baseVersion,
                                              rollout: running)
        if retrain.triggered { lap.timings.retrain = lap.next() }
        if let paused = retrain.trial?.paused, paused > .zero { lap.timings.paused = paused.milliseconds }
        var servingPredictions = championPredictions
        var decision = retrain.outcome.decision
        var reason = retrain.outcome.reason
        var rollout: RolloutScores?
        if let trial = retrain.trial, trial.promoted {
            if settings.rollout.afterRetrain == .shadow {
                // The challenger passed the paired test; a shadow rollout decides on the outcomes to come.
                decision = .retrainRollout
                reason += "; a shadow rollout of the challenger starts (retrain.after=shadow): the champion keeps serving"
            } else {
                servingPredictions = try await ModelCatalog.score(batch.sessions, with: trial.model)
            }
            lap.timings.score += lap.next()
        } else if let running {
            let scores = try await rolloutScores(batch, rollout: running, batchVersion: baseVersion + 1)
            rollout = scores
            servingPredictions = championPredictions.indices.map { scores.challengerAnswers[$0] ? scores.challenger[$0] : championPredictions[$0] }
            lap.timings.score += lap.next()
        }
        return PreparedBatch(
            source: .spool(entry), batch: batch, baseVersion: baseVersion, receivedAt: receivedAt, decision: decision,
            reason: reason, drift: drift, championBefore: champion, realised: realised, trial: retrain.trial,
            championPredictions: championPredictions, servingPredictions: servingPredictions, rollout: rollout,
            skipped: retrain.outcome.skipped, evidence: retrain.trial?.evidence)
    }
}

/// The time each step took, for the report's `timings_ms`.
private struct Lap {
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    private var mark: ContinuousClock.Instant
    var timings = BatchReport.Timings()

    init() {
        started = clock.now
        mark = started
    }

    /// Milliseconds since the previous lap.
    mutating func next() -> Double {
        let now = clock.now
        defer { mark = now }
        return (now - mark).milliseconds
    }
}
