import ShopperCore
import ShopperStore

/// A batch's predictions as a table an operator or a downstream job reads: one row per scored
/// session with its position in the batch, its physical line in the file, the probability, the
/// predicted label and the model version.
///
/// CSV goes through ShopperCore's `CSVWriter` (the outbox's writer): probabilities in their
/// shortest exact form (they read back as the very same `Double`), labels `TRUE`/`FALSE` like the
/// data's `Revenue` column. JSON uses the same keys, `true`/`false` labels.
package struct PredictionTable: Sendable {
    /// The columns, in order: `row` (1-based data row number), `line` (physical line in the file),
    /// `probability`, `label`, `model_version` (the model that answered the row: the champion, or in
    /// an A/B rollout the challenger for its share), `prediction_id` (what an outcome names to join
    /// the prediction: `b<store version>-<row>`; empty from `shopperd score`, which keeps nothing).
    package static let columns = ["row", "line", "probability", "label", "model_version", "prediction_id"]

    package let predictions: [Prediction]
    package let lines: [Int]
    package let modelVersions: [Int]
    package let ids: [String]?

    /// `lines[i]` is the line of the row `predictions[i]` was made for (`ParsedBatch.lines`),
    /// `modelVersions[i]` the model that made it, `ids?[i]` its prediction id.
    package init(predictions: [Prediction], lines: [Int], modelVersions: [Int], ids: [String]?) {
        precondition(predictions.count == lines.count && predictions.count == modelVersions.count, "one line and model per prediction")
        precondition(ids == nil || ids?.count == predictions.count, "one id per prediction")
        self.predictions = predictions
        self.lines = lines
        self.modelVersions = modelVersions
        self.ids = ids
    }

    /// Every row by one model.
    package init(predictions: [Prediction], lines: [Int], modelVersion: Int, ids: [String]? = nil) {
        self.init(predictions: predictions, lines: lines, modelVersions: Array(repeating: modelVersion, count: predictions.count), ids: ids)
    }

    /// The table as CSV, header first, LF line ends.
    package func csv() -> String {
        var writer = CSVWriter()
        writer.writeRow(Self.columns)
        for index in predictions.indices {
            let prediction = predictions[index]
            writer.writeRow([
                .int(prediction.rowNumber), .int(lines[index]), .double(prediction.probability),
                .text(prediction.label ? "TRUE" : "FALSE"), .int(modelVersions[index]), .text(ids?[index] ?? ""),
            ] as [CSVWriter.Cell])
        }
        return writer.text
    }

    /// The table as a JSON array of objects, one per line (`prediction_id` null when not kept).
    package func json() -> String {
        var text = "["
        for index in predictions.indices {
            let prediction = predictions[index]
            text += index == 0 ? "\n  {" : ",\n  {"
            text += "\"row\": \(prediction.rowNumber), \"line\": \(lines[index]), "
            text += "\"probability\": \(CSVWriter.number(prediction.probability)), "
            text += "\"label\": \(prediction.label), \"model_version\": \(modelVersions[index]), "
            text += "\"prediction_id\": \(ids.map { "\"\($0[index])\"" } ?? "null")}"
        }
        return text + (predictions.isEmpty ? "]\n" : "\n]\n")
    }
}
