import Foundation
import ShopperPipeline

/// What one notification is about: a row of the daemon's `notifications` queue, with what the
/// message needs to say it (the batch's report, the rejection, or the daemon's one line).
package struct Notice: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case batch, rejected, duplicate, stuck, fatal
        case modelChange = "model-change"
        case test
    }

    package var kind: Kind
    /// The queue row's id: stable, it goes into the Message-ID and the idempotency key, so a
    /// repeated send is recognisable as the same notification.
    package var id: Int64
    package var occurredAt: Date
    /// The machine's name, shown in the message.
    package var host: String
    /// Kind `.batch`: the outbox report (its drift table in `batch.drift`).
    package var batch: BatchReport?
    /// Kind `.rejected` / `.duplicate`.
    package var rejection: RejectionReport?
    /// Kinds `.stuck`, `.fatal`, `.modelChange`, `.test`: one line from the daemon.
    package var message: String?
    /// Where `NAME.predictions.csv` and `NAME.report.json` (or `NAME.rejected.json`) are.
    package var outboxDirectory: String?
    /// The job's outbox stem (`JobRecord.outboxStem`, the NAME of the outbox files); nil: derived
    /// from the report (`predictions_file`, else the input's name without `.csv`).
    package var outboxStem: String?
    /// The rendered `DriftHTMLReport` of the batch (`DriftAttachment.html`, rendered by the
    /// courier from the store's rows), attached to the mail as `NAME.drift.html`.
    package var driftReportHTML: String?
    /// The alerts recorded with the queued event (`BatchAlert` raw values, or `stuck`, `fatal`,
    /// `promotion`, `rollback`): what the daemon decided at the time; nil for a notice that was
    /// not queued (a test message), which `isAlert` then judges from its content.
    package var alerts: [String]?

    package init(kind: Kind, id: Int64, occurredAt: Date, host: String, batch: BatchReport? = nil,
                 rejection: RejectionReport? = nil, message: String? = nil, outboxDirectory: String? = nil,
                 outboxStem: String? = nil, driftReportHTML: String? = nil) {
        self.kind = kind
        self.id = id
        self.occurredAt = occurredAt
        self.host = host
        self.batch = batch
        self.rejection = rejection
        self.message = message
        self.outboxDirectory = outboxDirectory
        self.outboxStem = outboxStem
        self.driftReportHTML = driftReportHTML
    }

    /// Whether this is something to act on or look at now (the digest counts these, webhooks
    /// flag them): the alerts recorded with the event when it was queued; otherwise a rejected or
    /// duplicate input, a stuck batch, a fatal error, a model change, or a batch with an alert by
    /// `BatchAlert`'s rule. A test message is not.
    package var isAlert: Bool {
        if let alerts { return !alerts.isEmpty }
        switch kind {
        case .rejected, .duplicate, .stuck, .fatal, .modelChange: return true
        case .test: return false
        case .batch:
            // The pipeline's rule (`BatchAlert`), from the report alone: a skipped retrain shows
            // as `score-awaiting-labels`.
            guard let batch else { return false }
            return !BatchAlert.of(decision: batch.decision, drift: batch.drift,
                                  retrainSkipped: batch.decision == .scoreAwaitingLabels).isEmpty
        }
    }

    /// The input's name as it arrived (may hold any character: always encode or escape it).
    package var inputName: String? { batch?.input ?? rejection?.input }

    /// The NAME of the outbox files.
    package var stem: String? {
        if let outboxStem { return outboxStem }
        if let file = batch?.predictionsFile, file.hasSuffix(".predictions.csv") { return String(file.dropLast(".predictions.csv".count)) }
        guard let input = inputName else { return nil }
        return input.lowercased().hasSuffix(".csv") ? String(input.dropLast(4)) : input
    }

    /// The outbox files this notice's job wrote, as paths (names alone without a directory).
    package var outboxFiles: [String] {
        guard let stem else { return [] }
        var names: [String] = []
        switch kind {
        case .batch:
            if batch?.predictionsFile != nil { names.append(stem + ".predictions.csv") }
            names.append(stem + ".report.json")
        case .rejected, .duplicate:
            names.append(stem + ".rejected.json")
        case .stuck, .fatal, .modelChange, .test:
            return []
        }
        guard let outboxDirectory else { return names }
        return names.map { outboxDirectory + "/" + $0 }
    }
}
