import Foundation
import ShopperCore
import ShopperML
import ShopperStore

extension BatchProcessor {
    /// The one transaction that makes the batch's outcome real.
    func commit(_ p: PreparedBatch, timings: BatchReport.Timings, started: ContinuousClock.Instant) throws -> BatchOutcome {
        let clock = ContinuousClock()
        let commitStart = clock.now
        var timings = timings
        let batchName = p.entry.name.description
        // Encoded before the write lock is taken; the version it names is checked inside.
        let draft: ModelDraft? = try p.trial.map { trial in
            try ModelCatalog.draft(for: trial.model, trainingFromVersion: trial.trainingFromVersion)
        }
        let (job, report, championAfter) = try store.transaction { tx -> (JobRecord, BatchReport, Int?) in
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
                                       reason: "not significantly worse than champion v\(champion.version) on held-out new rows: \(trial.verdict)")
                        serving = registered
                    }
                    try tx.removeAlias(.challenger, reason: trial.promoted ? "promoted to champion" : "kept out: \(trial.verdict)")
                } else {
                    try tx.promote(version: registered, to: .champion,
                                   reason: "first champion, trained on \(trial.trainingRows) labelled rows through store version \(batchVersion); "
                                       + "evidence: \(p.evidence?.summary ?? "none recorded")")
                    serving = registered
                }
            }
            // Only a `stored` batch (no champion yet: kept as data) has no serving model.
            let stored = p.decision == .waitForChampion
            if serving == nil, !stored { throw StoreError.aliasNotSet(.champion) }
            if let serving { try tx.savePredictions(p.servingPredictions, batchVersion: batchVersion, modelVersion: serving) }
            if let champion = p.championBefore, serving != champion.version, p.realised != nil {
                try tx.savePredictions(p.championPredictions, batchVersion: batchVersion, modelVersion: champion.version)
            }
            if let realised = p.realised, let champion = p.championBefore {
                try tx.recordPerformance(BatchPerformance(
                    batchVersion: batchVersion, modelVersion: champion.version, rowCount: p.batch.labelledCount,
                    positiveCount: p.batch.positiveCount, threshold: realised.threshold, rocAUC: realised.rocAUC,
                    recall: realised.recall, precision: realised.precision, recordedAt: p.receivedAt))
            }
            let stem = try Self.uniqueStem(for: p.entry, in: tx)
            timings.commit = (clock.now - commitStart).milliseconds
            timings.total = (clock.now - started).milliseconds
            var report = BatchReport(
                jobID: p.entry.id, input: batchName, rows: p.batch.rowCount, labelled: p.batch.isLabelled,
                storeVersion: batchVersion, duplicateRowsInBatch: p.batch.duplicateCount,
                quarantinedRows: p.batch.quarantined.count, quarantinedIssues: QuarantineListing.issues(p.batch.quarantined),
                quarantinedIssueCount: QuarantineListing.issueCount(p.batch.quarantined), labelledRows: p.batch.labelledCount,
                unknownColumns: p.batch.unknownColumns, decision: p.decision,
                reason: p.reason, drift: p.drift, realised: p.realised, evidence: p.evidence,
                models: .init(serving: serving, championBefore: p.championBefore?.version,
                              challenger: p.championBefore == nil ? nil : challengerVersion, evaluation: p.trial?.evaluation),
                predictionsFile: stored ? nil : stem + ".predictions.csv", timingsMS: timings,
                processedAt: ReportJSON.timestamp(Date()))
            if stored { report.outcome = JobRecord.Outcome.stored.rawValue }
            let job = JobRecord(
                id: p.entry.id, inputName: p.entry.name.bytes, outboxStem: stem, outcome: stored ? .stored : .scored,
                decision: p.decision.rawValue, batchVersion: batchVersion, modelVersion: serving,
                rowCount: p.batch.rowCount, driftReport: try p.drift.map { try ReportJSON.encode($0) },
                report: try ReportJSON.encode(report), processedAt: Date())
            try tx.recordJob(job)
            return (job, report, serving)
        }
        if championAfter != championCache?.version { championCache = nil }
        return BatchOutcome(job: job, report: report, retrainSkipped: p.skipped)
    }
}
