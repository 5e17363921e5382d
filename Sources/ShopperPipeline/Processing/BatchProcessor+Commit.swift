import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// What one commit wrote.
struct CommittedBatch: Sendable {
    /// The job and its report (a spooled batch); nil for `--bootstrap FILE`.
    var job: JobRecord?
    var report: BatchReport?
    /// The champion after the commit (nil: none yet).
    var serving: Int?
    /// The model registered by the commit, if any.
    var registered: Int?
    /// The rollout's look after the batch's outcomes, if one ran.
    var rolloutStep: RolloutStep? = nil
}

extension BatchProcessor {
    /// The one transaction that makes a batch's outcome real, for a spooled batch and
    /// `--bootstrap FILE` alike: the batch as a store version, the model trained for it with its
    /// alias changes, and for a spooled batch its predictions, realised performance and job.
    func commit(_ p: PreparedBatch, timings: BatchReport.Timings, started: ContinuousClock.Instant) throws -> CommittedBatch {
        let clock = ContinuousClock()
        let commitStart = clock.now
        var timings = timings
        // Encoded before the write lock is taken; the version it names is checked inside.
        let draft: ModelDraft? = try p.trial.map { trial in
            try ModelCatalog.draft(for: trial.model, trainingFromVersion: trial.trainingFromVersion)
        }
        let committed = try store.transaction { tx -> CommittedBatch in
            try tx.requireCurrentVersion(p.baseVersion)
            let batchVersion = try ingest(p, in: tx)
            let (serving, registered) = try changeModels(p, draft: draft, batchVersion: batchVersion, in: tx)
            // Only a `stored` batch (no champion yet: kept as data) has no serving model.
            let stored = p.decision == .waitForChampion
            if serving == nil, !stored { throw StoreError.aliasNotSet(.champion) }
            guard case .spool(let entry) = p.source else { return CommittedBatch(serving: serving, registered: registered) }

            // In a rollout the predictions table keeps each model's own predictions (the challenger's are
            // saved by `recordRollout`); which one answered each row is in rollout_predictions.
            if let serving {
                try tx.savePredictions(p.rollout == nil ? p.servingPredictions : p.championPredictions,
                                       batchVersion: batchVersion, modelVersion: serving)
            }
            if let champion = p.championBefore, serving != champion.version, p.realised != nil {
                try tx.savePredictions(p.championPredictions, batchVersion: batchVersion, modelVersion: champion.version)
            }
            let (rolloutSection, rolloutStep) = try recordRollout(p, batchVersion: batchVersion, in: tx)
            if let realised = p.realised, let champion = p.championBefore {
                try tx.recordPerformance(BatchPerformance(
                    batchVersion: batchVersion, modelVersion: champion.version, rowCount: p.batch.labelledCount,
                    positiveCount: p.batch.positiveCount, threshold: realised.threshold, rocAUC: realised.rocAUC,
                    recall: realised.recall, precision: realised.precision, recordedAt: p.receivedAt))
            }
            let stem = try Self.uniqueStem(for: entry, in: tx)
            timings.commit = (clock.now - commitStart).milliseconds
            timings.total = (clock.now - started).milliseconds
            var report = BatchReport(
                jobID: entry.id, input: entry.name.description, rows: p.batch.rowCount, labelled: p.batch.isLabelled,
                storeVersion: batchVersion, duplicateRowsInBatch: p.batch.duplicateCount,
                quarantinedRows: p.batch.quarantined.count, quarantinedIssues: QuarantineListing.issues(p.batch.quarantined),
                quarantinedIssueCount: QuarantineListing.issueCount(p.batch.quarantined), labelledRows: p.batch.labelledCount,
                unknownColumns: p.batch.unknownColumns, decision: p.decision,
                reason: p.reason, drift: p.drift, realised: p.realised, evidence: p.evidence,
                models: .init(serving: serving, championBefore: p.championBefore?.version,
                              challenger: p.championBefore == nil ? nil : registered, evaluation: p.trial?.evaluation),
                predictionsFile: stored ? nil : stem + ".predictions.csv", timingsMS: timings,
                processedAt: ReportJSON.timestamp(Date()))
            if stored { report.outcome = JobRecord.Outcome.stored.rawValue }
            report.rollout = rolloutSection
            let job = JobRecord(
                id: entry.id, inputName: entry.name.bytes, outboxStem: stem, outcome: stored ? .stored : .scored,
                decision: p.decision.rawValue, batchVersion: batchVersion, modelVersion: serving,
                rowCount: p.batch.rowCount, driftReport: try p.drift.map { try ReportJSON.encode($0) },
                report: try ReportJSON.encode(report), processedAt: Date())
            try tx.recordJob(job)
            try tx.recordNotificationEvent(BatchAlert.event(jobID: entry.id, decision: p.decision, drift: p.drift,
                                                            retrainSkipped: p.skipped != nil,
                                                            rolloutEnded: rolloutStep?.ended == true ? rolloutStep?.rollout.state : nil))
            return CommittedBatch(job: job, report: report, serving: try tx.aliases()[.champion], registered: registered,
                                  rolloutStep: rolloutStep)
        }
        if committed.serving != championCache?.version { championCache = nil }
        return committed
    }

    /// The batch as a new store version. A spooled batch's content is new (duplicates were
    /// refused before); a `--bootstrap` file's may already be stored, and is then not stored twice.
    private func ingest(_ p: PreparedBatch, in tx: StoreTransaction) throws -> Int {
        switch try tx.ingest(p.batch, receivedAt: p.receivedAt, gold: settings.gold) {
        case .created(let version):
            return version.version
        case .alreadyIngested(let version):
            guard case .bootstrapFile = p.source else {
                throw StoreError.database("\(p.batchName) was ingested by another process meanwhile")
            }
            return version.version
        }
    }

    /// Registers the trained model, if any, and moves the aliases: a challenger is judged and
    /// promoted or kept out; a first champion is promoted. Returns the serving and the registered version.
    private func changeModels(
        _ p: PreparedBatch, draft: ModelDraft?, batchVersion: Int, in tx: StoreTransaction
    ) throws -> (serving: Int?, registered: Int?) {
        guard let trial = p.trial, let draft else { return (p.championBefore?.version, nil) }
        let registered = try tx.registerModel(draft)
        guard let champion = p.championBefore else {
            try tx.promote(version: registered, to: .champion, reason: firstChampionReason(p, trial: trial, batchVersion: batchVersion))
            return (registered, registered)
        }
        try tx.promote(version: registered, to: .challenger,
                       reason: "trained on \(trial.trainingRows) rows after \(p.decisionCause) in \(p.batchName) (store version \(batchVersion))")
        if trial.promoted, let running = try tx.runningRollout() {
            try RolloutControl.end(running, state: .superseded, verdict: "challenger v\(registered), trained after \(p.decisionCause) in \(p.batchName), replaced it",
                                   look: nil, at: p.receivedAt, in: tx)
        }
        if trial.promoted, p.decision == .retrainRollout {
            try RolloutControl.start(
                challenger: registered, mode: .shadow, share: nil, settings: settings.rollout,
                reason: "retrained after \(p.decisionCause) in \(p.batchName); passed the paired test: \(trial.verdict)", at: p.receivedAt, in: tx)
            return (champion.version, registered)
        }
        if trial.promoted {
            try tx.promote(version: registered, to: .champion,
                           reason: "not significantly worse than champion v\(champion.version) on held-out new rows: \(trial.verdict)")
        }
        try tx.removeAlias(.challenger, reason: trial.promoted ? "promoted to champion" : "kept out: \(trial.verdict)")
        return (trial.promoted ? registered : champion.version, registered)
    }

    private func firstChampionReason(_ p: PreparedBatch, trial: ChallengerTrial, batchVersion: Int) -> String {
        switch p.source {
        case .spool:
            return "first champion, trained on \(trial.trainingRows) labelled rows through store version \(batchVersion); "
                + "evidence: \(p.evidence?.summary ?? "none recorded")"
        case .bootstrapFile:
            let latest = max(batchVersion, p.baseVersion)
            return "bootstrap: first champion, trained on \(trial.trainingRows) labelled rows of \(p.batch.fileName) and the store "
                + "(store versions \(trial.trainingFromVersion ?? latest)…\(latest)); evidence: \(p.evidence?.summary ?? "none recorded")"
        }
    }
}
