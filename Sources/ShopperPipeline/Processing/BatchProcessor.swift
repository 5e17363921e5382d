import Foundation
import ShopperCore
import ShopperDrift
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
public actor BatchProcessor {
    public nonisolated let store: ShopperStore
    public nonisolated let catalog: ModelCatalog
    public nonisolated let spool: Spool
    public private(set) var settings: PipelineSettings
    private var championCache: Champion?

    public init(store: ShopperStore, spool: Spool, settings: PipelineSettings) {
        self.store = store
        self.catalog = ModelCatalog(store: store)
        self.spool = spool
        self.settings = settings
    }

    /// Applies new settings (a config reload); the next batch uses them.
    public func update(_ settings: PipelineSettings) {
        self.settings = settings
    }

    /// The champion's version, or nil while there is none.
    public func championVersion() throws(PipelineError) -> Int? {
        do { return try store.aliases()[.champion] } catch { throw .store(error) }
    }

    /// Processes one claimed entry to its committed outcome (or returns the outcome recorded before
    /// a crash). Throws only when the batch must wait: it stays in the spool.
    public func process(_ entry: SpoolEntry, receivedAt: Date = Date()) async throws(PipelineError) -> BatchOutcome {
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
            return try reject(entry, reason: "\(error.file): \(error.summary). \(error.advice)", issues: error.issues, issueCount: count)
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

        var decision = BatchDecision.score
        var reason = "no drift: \(drift.rule)"
        var trial: ChallengerTrial?
        var skipped: RetrainSkipped?
        if drift.criticalDrift || realised?.triggered == true {
            let why = drift.criticalDrift
                ? "drift in \(drift.drivers.map(\.name).joined(separator: ", "))"
                : "realised ROC AUC fell more than the margin below the champion's validation figure"
            let stored = baseVersion > champion.trainingStoreVersion
                ? try store.labelledSessions(fromVersion: champion.trainingStoreVersion + 1, throughVersion: baseVersion) : []
            let newLabelled = stored.map { VersionedSession(version: $0.version, session: $0.session) }
                + (batch.isLabelled ? batch.sessions.map { VersionedSession(version: baseVersion + 1, session: $0) } : [])
            if newLabelled.count >= settings.minLabelledRows, !batch.isLabelled,
               let judged = try store.newestTrialTrainingVersion(sinceChampion: champion.version), newLabelled.allSatisfy({ $0.version <= judged }) {
                // A challenger trained since this champion took office (a rollback or a manual
                // promotion starts afresh) already used every one of these labelled rows and was kept out. Training is seeded: the same rows would give
                // the same challenger and the same verdict. A batch without labels waits for new ones.
                decision = .scoreAwaitingLabels
                reason = "\(why); every one of the \(newLabelled.count) labelled rows since champion v\(champion.version) was already used by the last challenger trial (store version \(judged)); retraining waits for new labelled rows"
                skipped = RetrainSkipped(
                    reason: "no labelled rows since the last challenger trial", labelledRows: newLabelled.count,
                    requiredRows: settings.minLabelledRows)
            } else if newLabelled.count >= settings.minLabelledRows {
                do {
                    trial = try await ChallengerTrial.run(
                        champion: champion, newLabelled: newLabelled, settings: settings, storeVersion: baseVersion + 1)
                    decision = trial!.promoted ? .retrainPromoted : .retrainKept
                    reason = "\(why): challenger \(trial!.promoted ? "promoted" : "kept out") — \(trial!.verdict)"
                } catch let error as ForestError where error != .cancelled {  // a stop commits nothing
                    decision = .scoreAwaitingLabels
                    reason = "\(why), but training failed: \(error)"
                    skipped = RetrainSkipped(reason: "training failed: \(error)", labelledRows: newLabelled.count, requiredRows: settings.minLabelledRows)
                }
            } else {
                decision = .scoreAwaitingLabels
                reason = "\(why); retraining waits for labelled data (\(newLabelled.count) of \(settings.minLabelledRows) labelled rows)"
                skipped = RetrainSkipped(reason: "not enough labelled rows", labelledRows: newLabelled.count, requiredRows: settings.minLabelledRows)
            }
            timings.retrain = lap()
        }

        var servingPredictions = championPredictions
        if let trial, trial.promoted {
            servingPredictions = try await ModelCatalog.score(batch.sessions, with: trial.model)
            timings.score += lap()
        }
        let prepared = PreparedBatch(
            entry: entry, batch: batch, baseVersion: baseVersion, receivedAt: receivedAt, decision: decision, reason: reason,
            drift: drift, championBefore: champion, realised: realised, trial: trial, championPredictions: championPredictions,
            servingPredictions: servingPredictions, skipped: skipped)
        return try commit(prepared, timings: timings, started: started)
    }

    /// No champion yet: a labelled batch trains the first one, with the labelled rows stored before
    /// it; anything else waits.
    private func bootstrap(
        _ entry: SpoolEntry, _ batch: ParsedBatch, baseVersion: Int, receivedAt: Date,
        timings: BatchReport.Timings, started: ContinuousClock.Instant
    ) async throws -> BatchOutcome {
        guard batch.isLabelled else {
            throw PipelineError.waitingForChampion(
                "no champion yet: \(entry.name) is unlabelled and waits until a labelled batch (or --bootstrap FILE) trains one")
        }
        let stored = baseVersion == 0 ? [] : try store.labelledSessions(fromVersion: 1, throughVersion: baseVersion)
            .map { VersionedSession(version: $0.version, session: $0.session) }
        let window = Array((stored + batch.sessions.map { VersionedSession(version: baseVersion + 1, session: $0) })
            .suffix(settings.trainingWindowRows))
        let rows = window.map(\.session)
        guard rows.count >= settings.minBootstrapRows else {
            throw PipelineError.waitingForChampion(
                "no champion yet: \(rows.count) labelled rows, \(settings.minBootstrapRows) needed to train the first one; \(entry.name) waits")
        }
        var timings = timings
        let clock = ContinuousClock()
        let trainStart = clock.now
        let model = try await ModelCatalog.train(
            rows, features: settings.featureSet, configuration: settings.training, storeVersion: baseVersion + 1)
        timings.retrain = (clock.now - trainStart).milliseconds
        let scoreStart = clock.now
        let predictions = try await ModelCatalog.score(batch.sessions, with: model)
        timings.score = (clock.now - scoreStart).milliseconds
        let trial = ChallengerTrial(model: model, trainingFromVersion: window.first?.version, trainingRows: rows.count, evaluation: nil,
                                    promoted: true, verdict: "first champion")
        let prepared = PreparedBatch(
            entry: entry, batch: batch, baseVersion: baseVersion, receivedAt: receivedAt, decision: .bootstrapTrained,
            reason: "no champion yet: trained the first one on \(rows.count) labelled rows", drift: nil, championBefore: nil,
            realised: nil, trial: trial, championPredictions: [], servingPredictions: predictions, skipped: nil)
        return try commit(prepared, timings: timings, started: started)
    }

    /// The one transaction that makes the batch's outcome real.
    private func commit(_ p: PreparedBatch, timings: BatchReport.Timings, started: ContinuousClock.Instant) throws -> BatchOutcome {
        let clock = ContinuousClock()
        let commitStart = clock.now
        var timings = timings
        let batchName = p.entry.name.description
        // Encoded before the write lock is taken; the version it names is checked inside.
        let draft: ModelDraft? = try p.trial.map { trial in
            try ModelCatalog.draft(for: trial.model, trainingFromVersion: trial.trainingFromVersion)
        }
        let (job, report, championAfter) = try store.transaction { tx -> (JobRecord, BatchReport, Int) in
            try tx.requireCurrentVersion(p.baseVersion)
            guard case .created(let version) = try tx.ingest(p.batch, receivedAt: p.receivedAt, gold: settings.gold) else {
                throw StoreError.database("\(batchName) was ingested by another process meanwhile")
            }
            let batchVersion = version.version
            var serving = p.championBefore?.version
            var challengerVersion: Int?
            if let trial = p.trial, let draft {
                let registered = try tx.registerModel(draft)
                challengerVersion = registered
                if let champion = p.championBefore {
                    try tx.promote(version: registered, to: .challenger,
                                   reason: "trained on \(trial.trainingRows) rows after \(p.decisionCause) in \(batchName) (store version \(batchVersion))")
                    if trial.promoted {
                        try tx.promote(version: registered, to: .champion,
                                       reason: "beat or tied champion v\(champion.version) on held-out new rows: \(trial.verdict)")
                        serving = registered
                    }
                    try tx.removeAlias(.challenger, reason: trial.promoted ? "promoted to champion" : "kept out: \(trial.verdict)")
                } else {
                    try tx.promote(version: registered, to: .champion,
                                   reason: "first champion, trained on \(trial.trainingRows) labelled rows through store version \(batchVersion)")
                    serving = registered
                }
            }
            guard let servingVersion = serving else { throw StoreError.aliasNotSet(.champion) }
            try tx.savePredictions(p.servingPredictions, batchVersion: batchVersion, modelVersion: servingVersion)
            if let champion = p.championBefore, servingVersion != champion.version, p.realised != nil {
                try tx.savePredictions(p.championPredictions, batchVersion: batchVersion, modelVersion: champion.version)
            }
            if let realised = p.realised, let champion = p.championBefore {
                try tx.recordPerformance(BatchPerformance(
                    batchVersion: batchVersion, modelVersion: champion.version, rowCount: p.batch.rowCount,
                    positiveCount: p.batch.positiveCount, threshold: realised.threshold, rocAUC: realised.rocAUC,
                    recall: realised.recall, precision: realised.precision, recordedAt: p.receivedAt))
            }
            let stem = try Self.uniqueStem(for: p.entry, in: tx)
            timings.commit = (clock.now - commitStart).milliseconds
            timings.total = (clock.now - started).milliseconds
            let report = BatchReport(
                jobID: p.entry.id, input: batchName, rows: p.batch.rowCount, labelled: p.batch.isLabelled,
                storeVersion: batchVersion, duplicateRowsInBatch: p.batch.duplicateCount,
                quarantinedRows: p.batch.quarantined.count, unknownColumns: p.batch.unknownColumns, decision: p.decision,
                reason: p.reason, drift: p.drift, realised: p.realised,
                models: .init(serving: servingVersion, championBefore: p.championBefore?.version,
                              challenger: p.championBefore == nil ? nil : challengerVersion, evaluation: p.trial?.evaluation),
                predictionsFile: stem + ".predictions.csv", timingsMS: timings,
                processedAt: ReportJSON.timestamp(Date()))
            let job = JobRecord(
                id: p.entry.id, inputName: p.entry.name.bytes, outboxStem: stem, outcome: .scored,
                decision: p.decision.rawValue, batchVersion: batchVersion, modelVersion: servingVersion,
                rowCount: p.batch.rowCount, driftReport: try p.drift.map { try ReportJSON.encode($0) },
                report: try ReportJSON.encode(report), processedAt: Date())
            try tx.recordJob(job)
            return (job, report, servingVersion)
        }
        if championAfter != championCache?.version { championCache = nil }
        return BatchOutcome(job: job, report: report, retrainSkipped: p.skipped)
    }

    /// `--bootstrap FILE`: with no champion, stores the labelled file as a version (unless its
    /// content already is) and trains the first champion on the store's labelled rows (newest
    /// `trainingWindowRows`). Returns the new champion's version, or nil when there already was one.
    public func bootstrapChampion(from path: String) async throws(PipelineError) -> Int? {
        do {
            guard try store.aliases()[.champion] == nil else { return nil }
            let batch: ParsedBatch
            do {
                batch = try BatchReader(policy: .reject, maxBytes: settings.maxFileBytes).read(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw PipelineError.model("bootstrap file \(error.report(maxIssues: 20))")
            }
            guard batch.isLabelled else {
                throw PipelineError.model("bootstrap file \(path) has no Revenue column: the first champion needs labelled rows")
            }
            _ = try store.ingest(batch, receivedAt: Date(), gold: settings.gold)
            let version = try store.currentVersion()
            let labelled = try store.labelledSessions(fromVersion: 1, throughVersion: version)
            let window = Array(labelled.suffix(settings.trainingWindowRows))
            guard window.count >= settings.minBootstrapRows else {
                throw PipelineError.model("bootstrap file \(path): \(window.count) labelled rows, \(settings.minBootstrapRows) needed")
            }
            let model = try await ModelCatalog.train(
                window.map(\.session), features: settings.featureSet, configuration: settings.training, storeVersion: version)
            let draft = try ModelCatalog.draft(for: model, trainingFromVersion: window.first?.version)
            return try store.transaction { tx in
                let registered = try tx.registerModel(draft)
                try tx.promote(version: registered, to: .champion,
                               reason: "bootstrap: first champion, trained on \(window.count) labelled rows of \(batch.fileName) (store versions \(window.first?.version ?? version)…\(version))")
                return registered
            }
        } catch {
            throw PipelineError.wrap(error)
        }
    }

    /// Rejects an input that can never be processed (a permanent failure, retries past their
    /// ceiling, a writer that never finished); the caller files it in quarantine.
    public func rejectFinally(_ entry: SpoolEntry, reason: String) throws(PipelineError) -> BatchOutcome {
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
        let labels = sessions.map { $0.revenue ?? false }
        let report = ClassificationReport(
            dataset: "batch", scores: predictions.map(\.probability), labels: labels, threshold: champion.model.threshold)
        let triggered: Bool
        if let margin = settings.performanceMargin, let validation = champion.validationROCAUC, let realised = report.rocAUC {
            triggered = realised < validation - margin
        } else {
            triggered = false
        }
        return .init(
            modelVersion: champion.version, threshold: champion.model.threshold, rocAUC: report.rocAUC,
            recall: report.positives > 0 ? report.recall : nil,
            precision: report.confusion.truePositives + report.confusion.falsePositives > 0 ? report.precision : nil,
            validationROCAUC: champion.validationROCAUC, margin: settings.performanceMargin, triggered: triggered)
    }
}

/// What became of a batch, for the daemon's journal events and hooks.
public struct BatchOutcome: Sendable {
    public var job: JobRecord
    /// Set when it was scored.
    public var report: BatchReport?
    /// Set when it was rejected or a duplicate.
    public var rejection: RejectionReport?
    /// Set when drift called for retraining that could not happen.
    public var retrainSkipped: RetrainSkipped?

    public init(job: JobRecord, report: BatchReport? = nil, rejection: RejectionReport? = nil, retrainSkipped: RetrainSkipped? = nil) {
        self.job = job
        self.report = report ?? (job.outcome == .scored ? try? JSONDecoder().decode(BatchReport.self, from: job.report) : nil)
        self.rejection = rejection ?? (job.outcome == .scored ? nil : try? JSONDecoder().decode(RejectionReport.self, from: job.report))
        self.retrainSkipped = retrainSkipped
    }
}

/// Why drift did not lead to a retrain.
public struct RetrainSkipped: Sendable, Equatable {
    public var reason: String
    public var labelledRows: Int
    public var requiredRows: Int
}

/// The serving model with its training data.
struct Champion: Sendable {
    let version: Int
    let model: ForestModel
    let trainingFromVersion: Int
    let trainingStoreVersion: Int
    /// The labelled rows of its training window (versions `trainingFromVersion…trainingStoreVersion`):
    /// its reference snapshot for drift, and the start of its successor's training window.
    let training: [VersionedSession]
    let reference: DriftReference
    let validationROCAUC: Double?
}

/// A labelled row with the store version it came in (the batch being processed counts as the next
/// version).
struct VersionedSession: Sendable {
    let version: Int
    let session: Session
}

/// Everything decided before the commit.
struct PreparedBatch: Sendable {
    let entry: SpoolEntry
    let batch: ParsedBatch
    let baseVersion: Int
    let receivedAt: Date
    let decision: BatchDecision
    let reason: String
    let drift: DriftReport?
    let championBefore: Champion?
    let realised: BatchReport.RealisedPerformance?
    let trial: ChallengerTrial?
    let championPredictions: [Prediction]
    let servingPredictions: [Prediction]
    let skipped: RetrainSkipped?

    var decisionCause: String {
        if drift?.criticalDrift == true { return "drift" }
        if realised?.triggered == true { return "a realised-performance drop" }
        return "a trigger"
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }
}
