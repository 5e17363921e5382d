import Foundation
import GRDB

/// Predictions per batch and model, and realised performance once labels are known.
extension ShopperStore {
    /// Stores a batch's predictions by one model, in one transaction. Storing the same
    /// (batch, model) again replaces them, so a re-run after a crash cannot duplicate rows.
    package func savePredictions(_ predictions: [Prediction], batchVersion: Int, modelVersion: Int) throws(StoreError) {
        try transaction { try $0.savePredictions(predictions, batchVersion: batchVersion, modelVersion: modelVersion) }
    }

    /// A batch's predictions by a model, in row order.
    package func predictions(batchVersion: Int, modelVersion: Int) throws(StoreError) -> [Prediction] {
        try read { db in
            let query = try RawStatement(db, sql: """
                SELECT row_number, probability, label FROM predictions WHERE batch_version = ? AND model_version = ?
                ORDER BY row_number
                """)
            query.bind(1, batchVersion)
            query.bind(2, modelVersion)
            var result: [Prediction] = []
            while try query.step() {
                result.append(Prediction(rowNumber: query.int(0), probability: query.double(1), label: query.bool(2)))
            }
            return result
        }
    }

    /// Records a model's realised performance on a labelled batch.
    package func recordPerformance(_ performance: BatchPerformance) throws(StoreError) {
        try transaction { try $0.recordPerformance(performance) }
    }

    /// Realised performance over time (of one model, or all), in the order recorded.
    package func performance(modelVersion: Int? = nil) throws(StoreError) -> [BatchPerformance] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT batch_version, model_version, row_count, positive_count, threshold, roc_auc, recall, precision,
                    recorded_at
                FROM batch_performance \(modelVersion == nil ? "" : "WHERE model_version = ?") ORDER BY id
                """, arguments: modelVersion.map { [$0] } ?? []).map { row in
                BatchPerformance(
                    batchVersion: row["batch_version"], modelVersion: row["model_version"], rowCount: row["row_count"],
                    positiveCount: row["positive_count"], threshold: row["threshold"], rocAUC: row["roc_auc"],
                    recall: row["recall"], precision: row["precision"],
                    recordedAt: Date(timeIntervalSince1970: row["recorded_at"]))
            }
        }
    }

    static func requireBatchAndModel(_ db: Database, batchVersion: Int, modelVersion: Int) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM batches WHERE version = ?", arguments: [batchVersion]) != nil else {
            throw StoreError.unknownVersion(batchVersion, current: try currentVersion(db))
        }
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM models WHERE version = ?", arguments: [modelVersion]) != nil else {
            throw StoreError.unknownModel(modelVersion)
        }
    }
}
