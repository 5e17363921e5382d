import ShopperInbox
import Foundation
import ShopperCore
import ShopperStore

extension BatchProcessor {
    /// Rejects an input that can never be processed (a permanent failure, retries past their
    /// ceiling, a writer that never finished); the caller files it in quarantine.
    package func rejectFinally(_ entry: SpoolEntry, reason: String) throws(PipelineError) -> BatchOutcome {
        do { return try reject(entry, reason: reason, issues: [], issueCount: 0) } catch { throw PipelineError.wrap(error) }
    }

    /// Records a refusal; the caller files the input in quarantine.
    func reject(_ entry: SpoolEntry, reason: String, issues: [ValidationIssue], issueCount: Int) throws -> BatchOutcome {
        try recordRejection(entry, outcome: .rejected, decision: .reject, reason: reason, issues: issues,
                            issueCount: issueCount, duplicateOf: nil)
    }

    /// Records that the batch's content is already stored as `existing`.
    func rejectDuplicate(_ entry: SpoolEntry, of existing: StoreVersion) throws -> BatchOutcome {
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
            try tx.recordNotificationEvent(BatchAlert.event(jobID: entry.id, decision: decision, drift: nil, retrainSkipped: false))
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
}
