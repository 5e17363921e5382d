import Foundation
import ShopperCore
import ShopperDrift
import ShopperInbox
import ShopperML
import ShopperStore

/// One batch's life, from its claimed bytes to its committed outcome: read → validate → drift check
/// against the champion's reference → decide (score, or retrain and maybe promote) → score → one
/// store transaction holding the new version, any new model and alias changes, the predictions,
/// the realised performance and the job's report.
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

    package init(store: ShopperStore, spool: Spool, settings: PipelineSettings) {
        self.store = store
        self.catalog = ModelCatalog(store: store)
        self.spool = spool
        self.settings = settings
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

    // MARK: - The steps

    private func prepareAndCommit(_ entry: SpoolEntry, receivedAt: Date) async throws -> BatchOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        var timings = BatchReport.Timings()
        var mark = started
        func lap() -> Double {
            let now = clock.now
            defer { mark = now }
            return (now - mark).milliseconds
        }

        let content = try InputFile.read(path: spool.dataPath(entry), maxBytes: settings.maxFileBytes)
        timings.read = lap()
        let bytes: [UInt8]
        switch content {
        case .refused(let reason):
            return try reject(entry, reason: "\(entry.name): \(reason)", issues: [], issueCount: 0)
        case .changedWhileReading:
            throw PipelineError.inputStillChanging(entry.name.description)
        case .bytes(let read):
            bytes = read
        }

        let batch: ParsedBatch
        do {
            batch = try BatchReader(policy: settings.invalidRowPolicy, maxBytes: settings.maxFileBytes)
                .read(bytes: bytes, fileName: entry.name.description)
        } catch {
            let count: Int
            switch error {
            case .invalidRows(_, _, let issueCount, _, _), .noValidRows(_, _, let issueCount, _): count = issueCount
            default: count = error.issues.count
            }
            return try reject(entry, reason: "\(error.file): \(error.summary). \(error.advice(keepValidRows: settings.keepValidRowsAdvice))",
                              issues: error.issues, issueCount: count)
        }
        timings.validate = lap()

        if let existing = try store.version(sha256: batch.sha256) {
            return try rejectDuplicate(entry, of: existing)
        }
        let baseVersion = try store.currentVersion()
        guard let champion = try currentChampion() else {
            return try await bootstrap(entry, batch, baseVersion: baseVersion, receivedAt: receivedAt, timings: timings, started: started)
        }

        let drift = try DriftDetector(config: settings.drift).check(batch.sessions, against: champion.reference)
        timings.drift = lap()

        let championPredictions = try await ModelCatalog.score(batch.sessions, with: champion.model)
        timings.score = lap()
        let realised = batch.isLabelled ? realisedPerformance(of: champion, on: batch.sessions, predictions: championPredictions) : nil

        var step = RetrainDecision(decision: .score, reason: "no drift: \(drift.rule)")
        if drift.criticalDrift || realised?.triggered == true {
            let why = drift.criticalDrift
                ? "drift in \(drift.drivers.map(\.name).joined(separator: ", "))"
                : "realised ROC AUC fell more than the margin below the champion's validation figure"
            step = try await retrain(why: why, champion: champion, batch: batch, baseVersion: baseVersion)
            timings.retrain = lap()
        }
        let trial = step.trial

        var servingPredictions = championPredictions
        if let trial, trial.promoted {
            servingPredictions = try await ModelCatalog.score(batch.sessions, with: trial.model)
            timings.score += lap()
        }
        let prepared = PreparedBatch(
            entry: entry, batch: batch, baseVersion: baseVersion, receivedAt: receivedAt, decision: step.decision, reason: step.reason,
            drift: drift, championBefore: champion, realised: realised, trial: trial, championPredictions: championPredictions,
            servingPredictions: servingPredictions, skipped: step.skipped, evidence: trial?.evidence)
        return try commit(prepared, timings: timings, started: started)
    }

    /// Rejects an input that can never be processed (a permanent failure, retries past their
    /// ceiling, a writer that never finished); the caller files it in quarantine.
    package func rejectFinally(_ entry: SpoolEntry, reason: String) throws(PipelineError) -> BatchOutcome {
        do { return try reject(entry, reason: reason, issues: [], issueCount: 0) } catch { throw PipelineError.wrap(error) }
    }

    /// Records a refusal; the caller files the input in quarantine.
    private func reject(_ entry: SpoolEntry, reason: String, issues: [ValidationIssue], issueCount: Int) throws -> BatchOutcome {
        try recordRejection(entry, outcome: .rejected, decision: .reject, reason: reason, issues: issues,
                            issueCount: issueCount, duplicateOf: nil)
    }

    private func rejectDuplicate(_ entry: SpoolEntry, of existing: StoreVersion) throws -> BatchOutcome {
        let reason = "\(entry.name): same content (SHA-256 \(existing.sha256.prefix(12))…) as \(existing.fileName), "
            + "already stored as version \(existing.version); nothing stored twice"
        return try recordRejection(
            entry, outcome: .duplicate, decision: .duplicate, reason: reason, issues: [], issueCount: 0,
            duplicateOf: .init(storeVersion: existing.version, file: existing.fileName, sha256: existing.sha256))
    }

    private func recordRejection(
        _ entry: SpoolEntry, outcome: JobRecord.Outcome, decision: BatchDecision, reason: String,
        issues: [ValidationIssue], issueCount: Int, duplicateOf: RejectionReport.DuplicateOf?
    ) throws -> BatchOutcome {
        let (job, rejection) = try store.transaction { tx -> (JobRecord, RejectionReport) in
            let rejection = RejectionReport(
                jobID: entry.id, input: entry.name.description, outcome: outcome.rawValue, reason: reason, issues: issues,
                issueCount: max(issueCount, issues.count), duplicateOf: duplicateOf, keptAs: spool.quarantinePath(entry),
                processedAt: ReportJSON.timestamp(Date()))
            let job = JobRecord(
                id: entry.id, inputName: entry.name.bytes, outboxStem: try Self.uniqueStem(for: entry, in: tx),
                outcome: outcome, decision: decision.rawValue, batchVersion: nil, modelVersion: nil, rowCount: 0,
                driftReport: nil, report: try ReportJSON.encode(rejection), processedAt: Date())
            try tx.recordJob(job)
            return (job, rejection)
        }
        return BatchOutcome(job: job, rejection: rejection)
    }

    /// `STEM`, or `STEM~2`, `STEM~3`… when an earlier input already used it: one input's outbox
    /// files never overwrite another's.
    static func uniqueStem(for entry: SpoolEntry, in tx: StoreTransaction) throws -> String {
        let base = entry.name.outboxStem
        var candidate = base
        var n = 1
        while try tx.isOutboxStemTaken(candidate) {
            n += 1
            candidate = "\(base)~\(n)"
        }
        return candidate
    }

    // MARK: - Champion and reference

    /// The serving model and the data it was trained on (the drift reference), cached until the
    /// champion changes.
    private func currentChampion() throws -> Champion? {
        guard let version = try store.aliases()[.champion] else {
            championCache = nil
            return nil
        }
        if let cached = championCache, cached.version == version { return cached }
        let record = try store.model(version: version)
        let model = try catalog.model(version: version)
        let from = record.trainingFromVersion ?? 1
        let training = try store.labelledSessions(fromVersion: from, throughVersion: record.trainingStoreVersion)
            .map { VersionedSession(version: $0.version, session: $0.session) }
        guard !training.isEmpty else {
            throw PipelineError.model("champion v\(version) has no labelled rows in store versions \(from)…\(record.trainingStoreVersion) to serve as the drift reference")
        }
        let metrics = try? JSONDecoder().decode(RegistryPayload.Metrics.self, from: record.metrics)
        let champion = Champion(
            version: version, model: model, trainingFromVersion: from, trainingStoreVersion: record.trainingStoreVersion,
            training: training, reference: DriftReference(sessions: training.map(\.session)),
            validationROCAUC: metrics?.holdout?.rocAUC ?? metrics?.outOfBag?.rocAUC)
        championCache = champion
        return champion
    }

    private func realisedPerformance(of champion: Champion, on sessions: [Session], predictions: [Prediction]) -> BatchReport.RealisedPerformance {
        // Only rows with a label: a blank Revenue says nothing about the prediction.
        let labelled = sessions.indices.filter { sessions[$0].revenue != nil }
        let report = ClassificationReport(
            dataset: "batch", scores: labelled.map { predictions[$0].probability }, labels: labelled.map { sessions[$0].revenue == true },
            threshold: champion.model.threshold)
        let triggered: Bool
        if let margin = settings.performanceMargin, let validation = champion.validationROCAUC, let realised = report.rocAUC {
            triggered = realised < validation - margin
        } else {
            triggered = false
        }
        return .init(
            modelVersion: champion.version, rows: labelled.count, positives: report.positives,
            threshold: champion.model.threshold, rocAUC: report.rocAUC,
            recall: report.positives > 0 ? report.recall : nil,
            precision: report.confusion.truePositives + report.confusion.falsePositives > 0 ? report.precision : nil,
            ece: report.reliability?.ece, brier: report.reliability?.brier,
            validationROCAUC: champion.validationROCAUC, margin: settings.performanceMargin, triggered: triggered)
    }
}
