import Foundation
import ShopperCore
import ShopperDrift
import ShopperML
import ShopperStore

/// `outbox/NAME.report.json`: what happened to an accepted batch. Its keys are documented in
/// `docs/daemon.md`; they are an interface for operators' scripts, so never rename one.
///
/// `outcome` is `scored` (predictions in `NAME.predictions.csv`) or `stored`: no champion yet, the
/// labelled batch is kept in the store as data for the first one and `evidence` says what that
/// champion still waits for; there is no predictions file and `models.serving` is null.
package struct BatchReport: Sendable, Codable, Equatable {
    package var shopperdVersion = ShopperdVersion.current
    package var jobID: String
    /// The input's name as it arrived (escaped when not printable UTF-8).
    package var input: String
    package var outcome = "scored"
    package var rows: Int
    /// Whether at least one row has a label (see `labelledRows`).
    package var labelled: Bool
    package var storeVersion: Int
    package var duplicateRowsInBatch: Int
    package var quarantinedRows: Int
    /// What is wrong with the quarantined rows: the first `BatchReader.issueLimit` issues, each
    /// naming file, line, column, value and reason (as in `NAME.rejected.json`). Nil in reports
    /// written before it existed.
    package var quarantinedIssues: [ValidationIssue]?
    /// All the issues of the quarantined rows, listed or not.
    package var quarantinedIssueCount: Int?
    /// Rows with a label (`Revenue` TRUE or FALSE): what training and realised performance use.
    /// A blank `Revenue` cell is a row without a label, scored like the others. Nil in reports
    /// written before partially labelled batches were accepted (then: all rows or none).
    package var labelledRows: Int?
    package var unknownColumns: [String]
    package var decision: BatchDecision
    /// Why: drift, the realised-performance trigger, or neither.
    package var reason: String
    package var drift: DriftReport?
    package var realised: RealisedPerformance?
    /// The evidence rule's verdict (`EvidenceRule`) when a model was trained or waits to be: the
    /// first champion's, or the challenger's.
    package var evidence: EvidenceVerdict?
    package var models: ModelsSection
    /// nil for a `stored` batch: nothing was scored.
    package var predictionsFile: String?
    package var timingsMS: Timings
    package var processedAt: String
    /// The rollout this batch took part in (its rows scored by both models, outcomes joined, the
    /// sequential test's look after them); nil when no rollout ran and the batch carried no feedback.
    package var rollout: RolloutSection? = nil

    /// A batch's part in a rollout.
    package struct RolloutSection: Sendable, Codable, Equatable {
        package var id: Int?
        package var mode: RolloutMode?
        package var championVersion: Int?
        package var challengerVersion: Int?
        /// Rows recorded as the rollout's predictions (both models' probabilities, by prediction id).
        package var rowsRecorded: Int
        /// Of those, answered by the challenger in the predictions file (A/B).
        package var rowsAnsweredByChallenger: Int
        /// Labelled rows of this batch that are new outcomes for the rollout.
        package var newOutcomes: Int
        /// What became of the batch's `prediction_id` rows (nil: the batch has none).
        package var feedback: OutcomeCounts?
        /// The rollout's state after this batch's look.
        package var state: RolloutState?
        package var look: SequentialLook?
        package var verdict: String?

        enum CodingKeys: String, CodingKey {
            case id, mode, feedback, state, look, verdict
            case championVersion = "champion_version"
            case challengerVersion = "challenger_version"
            case rowsRecorded = "rows_recorded"
            case rowsAnsweredByChallenger = "rows_answered_by_challenger"
            case newOutcomes = "new_outcomes"
        }
    }

    /// Which models served and how the challenger fared.
    package struct ModelsSection: Sendable, Codable, Equatable {
        /// The model whose predictions are in the predictions file (nil: none yet, `stored`).
        package var serving: Int?
        /// The champion when the batch arrived (nil: there was none).
        package var championBefore: Int?
        package var challenger: Int?
        package var evaluation: ChallengerEvaluation?

        enum CodingKeys: String, CodingKey {
            case serving, challenger, evaluation
            case championBefore = "champion_before"
        }
    }

    /// The champion's figures on a labelled batch it scored before seeing the labels.
    package struct RealisedPerformance: Sendable, Codable, Equatable {
        package var modelVersion: Int
        /// The labelled rows the figures were measured on (rows with a blank `Revenue` are left
        /// out), and the buyers among them. Nil in reports written before they were recorded.
        package var rows: Int?
        package var positives: Int?
        package var threshold: Double
        package var rocAUC: Double?
        package var recall: Double?
        package var precision: Double?
        /// Reliability of the served probabilities on these rows: ECE (10 equal-width bins) and
        /// Brier score. Nil in reports written before calibration existed.
        package var ece: Double?
        package var brier: Double?
        /// The champion's own validation ROC AUC, the yardstick for the trigger.
        package var validationROCAUC: Double?
        package var margin: Double?
        /// Whether the drop beyond the margin triggered a retrain.
        package var triggered: Bool

        enum CodingKeys: String, CodingKey {
            case threshold, recall, precision, margin, triggered, rows, positives, ece, brier
            case modelVersion = "model_version"
            case rocAUC = "roc_auc"
            case validationROCAUC = "validation_roc_auc"
        }
    }

    /// Champion against challenger on new labelled rows neither trained on.
    package struct ChallengerEvaluation: Sendable, Codable, Equatable {
        package var metric: PromotionMetric
        package var rows: Int
        package var positives: Int
        package var champion: Double?
        package var challenger: Double?
        package var tolerance: Double
        package var promoted: Bool
        package var trainingRows: Int
        /// The paired test behind `promoted`: difference, interval, p-value and rule (nil when the
        /// metric was undefined, and in reports written before the paired test).
        package var pairedTest: PairedComparison? = nil

        enum CodingKeys: String, CodingKey {
            case metric, rows, positives, champion, challenger, tolerance, promoted
            case trainingRows = "training_rows"
            case pairedTest = "paired_test"
        }
    }

    /// Milliseconds per stage, up to the commit (writing this file comes after).
    package struct Timings: Sendable, Codable, Equatable {
        package var read: Double = 0
        package var validate: Double = 0
        package var drift: Double = 0
        package var retrain: Double = 0
        /// Of `retrain`: how long the training paused for live scoring (`training.yield-above`);
        /// absent when it did not.
        package var paused: Double?
        package var score: Double = 0
        package var commit: Double = 0
        package var total: Double = 0
    }

    enum CodingKeys: String, CodingKey {
        case input, outcome, rows, labelled, decision, reason, drift, realised, models, evidence
        case shopperdVersion = "shopperd_version"
        case jobID = "job_id"
        case storeVersion = "store_version"
        case duplicateRowsInBatch = "duplicate_rows_in_batch"
        case quarantinedRows = "quarantined_rows"
        case quarantinedIssues = "quarantined_issues"
        case quarantinedIssueCount = "quarantined_issue_count"
        case labelledRows = "labelled_rows"
        case unknownColumns = "unknown_columns"
        case predictionsFile = "predictions_file"
        case timingsMS = "timings_ms"
        case processedAt = "processed_at"
        case rollout
    }
}

/// `outbox/NAME.rejected.json`: why an input was not accepted, and where it was kept.
package struct RejectionReport: Sendable, Codable, Equatable {
    package var shopperdVersion = ShopperdVersion.current
    package var jobID: String
    package var input: String
    /// `rejected` or `duplicate`.
    package var outcome: String
    /// One line an operator can act on.
    package var reason: String
    /// Every violation found (capped by the reader; see `issueCount`), each naming file, line,
    /// column, value and reason.
    package var issues: [ValidationIssue]
    package var issueCount: Int
    /// For a duplicate: the store version that already holds this content.
    package var duplicateOf: DuplicateOf?
    /// Where the original is kept (`STATE/quarantine/…`).
    package var keptAs: String
    package var processedAt: String

    package struct DuplicateOf: Sendable, Codable, Equatable {
        package var storeVersion: Int
        package var file: String
        package var sha256: String

        enum CodingKeys: String, CodingKey {
            case file, sha256
            case storeVersion = "store_version"
        }
    }

    enum CodingKeys: String, CodingKey {
        case input, outcome, reason, issues
        case shopperdVersion = "shopperd_version"
        case jobID = "job_id"
        case issueCount = "issue_count"
        case duplicateOf = "duplicate_of"
        case keptAs = "kept_as"
        case processedAt = "processed_at"
    }
}

enum ReportJSON {
    /// Reports follow `JSONPolicy` (pretty-printed, sorted keys, non-finite numbers as null), with a
    /// final newline.
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        var data = try JSONPolicy.encode(value)
        data.append(0x0A)
        return data
    }

    /// When a batch was processed, to the millisecond.
    static func timestamp(_ date: Date) -> String {
        JSONPolicy.timestamp(date, fractionalSeconds: true)
    }
}
