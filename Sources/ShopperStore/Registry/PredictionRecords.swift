import Foundation

/// One row's prediction by one model.
package struct Prediction: Sendable, Hashable, Codable {
    /// The row's 1-based position among the batch's valid rows (file order).
    package var rowNumber: Int
    /// The predicted probability of a purchase.
    package var probability: Double
    /// The predicted label at the model's threshold.
    package var label: Bool

    package init(rowNumber: Int, probability: Double, label: Bool) {
        self.rowNumber = rowNumber
        self.probability = probability
        self.label = label
    }

    enum CodingKeys: String, CodingKey {
        case rowNumber = "row_number"
        case probability, label
    }
}

/// A model's realised performance on one labelled batch, scored as if unlabelled.
package struct BatchPerformance: Sendable, Hashable, Codable {
    package var batchVersion: Int
    package var modelVersion: Int
    /// The labelled rows the figures were measured on (a partially labelled batch's unlabelled
    /// rows are scored but not measured), and the buyers among them.
    package var rowCount: Int
    package var positiveCount: Int
    /// The threshold the labels were predicted at.
    package var threshold: Double
    /// nil when undefined (a batch with one class only has no ROC AUC; no positive, no recall…).
    package var rocAUC: Double?
    package var recall: Double?
    package var precision: Double?
    package var recordedAt: Date

    package init(
        batchVersion: Int, modelVersion: Int, rowCount: Int, positiveCount: Int, threshold: Double,
        rocAUC: Double?, recall: Double?, precision: Double?, recordedAt: Date = Date()
    ) {
        self.batchVersion = batchVersion
        self.modelVersion = modelVersion
        self.rowCount = rowCount
        self.positiveCount = positiveCount
        self.threshold = threshold
        self.rocAUC = rocAUC
        self.recall = recall
        self.precision = precision
        self.recordedAt = recordedAt
    }

    enum CodingKeys: String, CodingKey {
        case batchVersion = "batch_version"
        case modelVersion = "model_version"
        case rowCount = "rows"
        case positiveCount = "positives"
        case threshold
        case rocAUC = "roc_auc"
        case recall, precision
        case recordedAt = "recorded_at"
    }
}
