import Foundation
import GRDB

extension StoreTransaction {
    /// Records a finished job (its outcome and report). Fails if the id is already recorded.
    package func recordJob(_ job: JobRecord) throws {
        try db.execute(sql: """
            INSERT INTO jobs (id, input_name, outbox_stem, outcome, decision, batch_version, model_version, row_count,
                drift_report, report, processed_at, delivered_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                job.id, Data(job.inputName), job.outboxStem, job.outcome.rawValue, job.decision, job.batchVersion,
                job.modelVersion, job.rowCount, job.driftReport, job.report, job.processedAt.timeIntervalSince1970,
                job.deliveredAt?.timeIntervalSince1970,
            ])
    }

    /// Whether an outbox stem is already taken by another job.
    package func isOutboxStemTaken(_ stem: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE outbox_stem = ?", arguments: [stem]) != nil
    }
}

extension ShopperStore {
    /// One job, or nil when that arrival has not been processed yet.
    package func job(id: String) throws(StoreError) -> JobRecord? {
        try read { db in try Self.jobs(db, whereClause: "WHERE id = ?", arguments: [id]).first }
    }

    /// Jobs in processing order, newest last (optionally only the last `limit`).
    package func jobs(limit: Int? = nil) throws(StoreError) -> [JobRecord] {
        try read { db in
            guard let limit else { return try Self.jobs(db, whereClause: "", arguments: []) }
            return try Self.jobs(db, whereClause: "WHERE id IN (SELECT id FROM jobs ORDER BY processed_at DESC, id DESC LIMIT ?)",
                                 arguments: [limit])
        }
    }

    /// Marks a job's outbox files as written.
    package func markDelivered(jobID: String, at date: Date = Date()) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE jobs SET delivered_at = ? WHERE id = ?", arguments: [date.timeIntervalSince1970, jobID])
        }
    }

    static func jobs(_ db: Database, whereClause: String, arguments: StatementArguments) throws -> [JobRecord] {
        try Row.fetchAll(db, sql: """
            SELECT id, input_name, outbox_stem, outcome, decision, batch_version, model_version, row_count, drift_report,
                report, processed_at, delivered_at
            FROM jobs \(whereClause) ORDER BY processed_at, id
            """, arguments: arguments).map { row in
            let name: Data = row["input_name"]
            let delivered: Double? = row["delivered_at"]
            return JobRecord(
                id: row["id"], inputName: Array(name), outboxStem: row["outbox_stem"],
                outcome: JobRecord.Outcome(rawValue: row["outcome"]) ?? .rejected, decision: row["decision"],
                batchVersion: row["batch_version"], modelVersion: row["model_version"], rowCount: row["row_count"],
                driftReport: row["drift_report"], report: row["report"],
                processedAt: Date(timeIntervalSince1970: row["processed_at"]),
                deliveredAt: delivered.map { Date(timeIntervalSince1970: $0) })
        }
    }
}

extension ShopperStore {
    /// How many inputs have their outcome recorded: the daemon's `STATUS=` "N batches", which
    /// therefore survives restarts.
    package func jobCount() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs") ?? 0 }
    }
}

extension ShopperStore {
    /// How many inputs ended in each decision (`score`, `retrain-promoted`, `reject`, …): what
    /// `shopperd serve`'s `/metrics` exports as `shopperd_batches_total{decision=…}`.
    package func jobCountsByDecision() throws(StoreError) -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT decision, COUNT(*) AS n FROM jobs GROUP BY decision") {
                counts[row["decision"]] = row["n"]
            }
            return counts
        }
    }

    /// How many batches' drift checks raised the alarm (`critical_drift` in the job's drift report).
    package func driftAlarmCount() throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM jobs
                WHERE drift_report IS NOT NULL AND json_extract(CAST(drift_report AS TEXT), '$.critical_drift') = 1
                """) ?? 0
        }
    }
}
