import Foundation
import ShopperCore
import ShopperDrift
import ShopperInbox
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
    /// The running rollout's look after this batch (nil: no rollout ran, or a batch recorded
    /// before a crash, whose look the daemon's timer repeats).
    package var rolloutStep: RolloutStep?

    package init(job: JobRecord, report: BatchReport? = nil, rejection: RejectionReport? = nil, retrainSkipped: RetrainSkipped? = nil) {
        self.job = job
        let accepted = job.outcome == .scored || job.outcome == .stored
        // A recorded job's report is one this process type wrote and always decodes. One that does
        // not (a damaged store) still reaches the outbox verbatim (`OutboxWriter` writes
        // `job.report`); only the journal event loses its figures.
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
    /// Why `validationROCAUC` is unknown when it should be known (unreadable stored metrics).
    let validationUnknown: String?
}

/// A labelled row with the store version it came in (the batch being processed counts as the next
/// version).
struct VersionedSession: Sendable {
    let version: Int
    let session: Session
}

/// Where a batch came from: the spool (it gets a job, a report and outbox files) or
/// `--bootstrap FILE` (it only becomes data, and may train the first champion).
enum BatchSource: Sendable {
    case spool(SpoolEntry)
    case bootstrapFile(String)
}

/// Everything decided before the commit.
struct PreparedBatch: Sendable {
    let source: BatchSource
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
    /// The challenger's predictions when a rollout of the champion runs (nil otherwise).
    var rollout: RolloutScores? = nil
    let skipped: RetrainSkipped?
    /// The evidence rule's verdict on the model trained (or not yet trainable) for this batch.
    let evidence: EvidenceVerdict?

    /// The input's name, for reasons.
    var batchName: String {
        switch source {
        case .spool(let entry): entry.name.description
        case .bootstrapFile(let path): path
        }
    }

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
