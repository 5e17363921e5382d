import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperStore

/// What became of a batch, for the daemon's journal events and hooks.
package struct BatchOutcome: Sendable {
    package var job: JobRecord
    /// Set when it was scored (or stored: no champion yet).
    package var report: BatchReport?
    /// Set when it was rejected or a duplicate.
    package var rejection: RejectionReport?
    /// Set when a trigger called for retraining that did not give a judged challenger.
    package var retrainSkipped: RetrainSkipped?

    package init(job: JobRecord, report: BatchReport? = nil, rejection: RejectionReport? = nil, retrainSkipped: RetrainSkipped? = nil) {
        self.job = job
        let accepted = job.outcome == .scored || job.outcome == .stored
        self.report = report ?? (accepted ? try? JSONPolicy.decode(BatchReport.self, from: job.report) : nil)
        self.rejection = rejection ?? (accepted ? nil : try? JSONPolicy.decode(RejectionReport.self, from: job.report))
        self.retrainSkipped = retrainSkipped
    }
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
    /// The evidence rule's verdict on the model trained (or not yet trainable) for this batch.
    let evidence: EvidenceVerdict?

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
