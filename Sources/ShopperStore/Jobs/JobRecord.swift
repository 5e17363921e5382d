import Foundation

/// What became of one inbox arrival: the daemon's durable record that an input has its outcome.
///
/// `report` is the exact JSON written to the outbox (`NAME.report.json` or `NAME.rejected.json`), so
/// the outbox can always be rebuilt from the store after a crash, byte for byte.
package struct JobRecord: Sendable, Hashable {
    package enum Outcome: String, Sendable, Hashable, Codable {
        /// Ingested as a new version and scored: predictions and a report in the outbox.
        case scored
        /// Refused (invalid CSV, not a regular file, too large…): `NAME.rejected.json`.
        case rejected
        /// Its content was already ingested from another file: `NAME.rejected.json` says which.
        case duplicate
        /// Ingested as a new version but not scored: no champion yet, and the store's labelled rows
        /// are not yet enough evidence to train one. `NAME.report.json` says what it waits for.
        case stored
    }

    /// The spool's arrival number.
    package var id: String
    /// The inbox name's exact bytes.
    package var inputName: [UInt8]
    /// The outbox file stem chosen for this input (unique across jobs).
    package var outboxStem: String
    package var outcome: Outcome
    /// What the pipeline decided (`score`, `retrain-promoted`, `reject`, …).
    package var decision: String
    /// The store version the batch became (nil when rejected).
    package var batchVersion: Int?
    /// The model that scored it (nil when rejected).
    package var modelVersion: Int?
    package var rowCount: Int
    /// The drift check's JSON (`DriftReport`), when one ran.
    package var driftReport: Data?
    /// The outbox report's bytes.
    package var report: Data
    package var processedAt: Date
    /// When the outbox files were written; the input is filed away right after (see `Pipeline`).
    package var deliveredAt: Date?

    package init(
        id: String, inputName: [UInt8], outboxStem: String, outcome: Outcome, decision: String,
        batchVersion: Int?, modelVersion: Int?, rowCount: Int, driftReport: Data?, report: Data,
        processedAt: Date, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.inputName = inputName
        self.outboxStem = outboxStem
        self.outcome = outcome
        self.decision = decision
        self.batchVersion = batchVersion
        self.modelVersion = modelVersion
        self.rowCount = rowCount
        self.driftReport = driftReport
        self.report = report
        self.processedAt = processedAt
        self.deliveredAt = deliveredAt
    }
}
