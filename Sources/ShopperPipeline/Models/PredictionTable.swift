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
    /// `probability`, `label`, `model_version`.
    package static let columns = ["row", "line", "probability", "label", "model_version"]

    package let predictions: [Prediction]
    package let lines: [Int]
    package let modelVersion: Int

    /// `lines[i]` is the line of the row `predictions[i]` was made for (`ParsedBatch.lines`).
    package init(predictions: [Prediction], lines: [Int], modelVersion: Int) {
        precondition(predictions.count == lines.count, "one line per prediction")
        self.predictions = predictions
        self.lines = lines
        self.modelVersion = modelVersion
    }

    /// The table as CSV, header first, LF line ends.
    package func csv() -> String {
        var writer = CSVWriter()
        writer.writeRow(Self.columns)
        for (prediction, line) in zip(predictions, lines) {
            writer.writeRow([
                .int(prediction.rowNumber), .int(line), .double(prediction.probability),
                .text(prediction.label ? "TRUE" : "FALSE"), .int(modelVersion),
            ] as [CSVWriter.Cell])
        }
        return writer.text
    }

    /// The table as a JSON array of objects, one per line.
    package func json() -> String {
        var text = "["
        for (index, (prediction, line)) in zip(predictions, lines).enumerated() {
            text += index == 0 ? "\n  {" : ",\n  {"
            text += "\"row\": \(prediction.rowNumber), \"line\": \(line), "
            text += "\"probability\": \(CSVWriter.number(prediction.probability)), "
            text += "\"label\": \(prediction.label), \"model_version\": \(modelVersion)}"
        }
        return text + (predictions.isEmpty ? "]\n" : "\n]\n")
    }
}
