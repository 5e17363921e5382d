import Foundation
import ShopperCore
import ShopperIO
import ShopperStore

/// Writes a job's outcome files into the outbox, from the store alone.
///
/// Because everything comes from the committed job (its report's exact bytes, the stored
/// predictions and line numbers), delivering again after a crash writes the same bytes: a reader
/// either sees no file or a whole one (`AtomicFile`), never a different one.
///
/// - `NAME.predictions.csv`: `row,line,probability,label,model_version,prediction_id` (see `PredictionTable`):
///   `row` is the row's 1-based position among the batch's valid rows, `line` the physical line it
///   starts on in the input, `probability` the serving model's calibrated probability as the
///   shortest decimal that reads back as the exact double, `label` TRUE for a predicted buyer
///   (probability ≥ the model's threshold).
/// - `NAME.report.json` (written after the predictions: its presence means both are complete).
///   A `stored` job (a labelled batch kept as data while the first champion waits for evidence)
///   has this file only: nothing was scored.
/// - `NAME.rejected.json` for a rejected or duplicate input.
package struct OutboxWriter: Sendable {
    package let directory: String
    package let store: ShopperStore

    package init(directory: String, store: ShopperStore) {
        self.directory = directory
        self.store = store
    }

    /// The outbox files of a job, in the order they are written.
    package static func files(of job: JobRecord) -> [String] {
        switch job.outcome {
        case .scored: [job.outboxStem + ".predictions.csv", job.outboxStem + ".report.json"]
        case .stored: [job.outboxStem + ".report.json"]
        case .rejected, .duplicate: [job.outboxStem + ".rejected.json"]
        }
    }

    /// Writes the job's files; returns their names.
    @discardableResult
    package func deliver(_ job: JobRecord) throws(PipelineError) -> [String] {
        let names = Self.files(of: job)
        do {
            switch job.outcome {
            case .scored:
                guard let batchVersion = job.batchVersion, let modelVersion = job.modelVersion else {
                    throw PipelineError.model("job \(job.id) is scored but names no batch or model version")
                }
                let csv = try predictionsCSV(batchVersion: batchVersion, modelVersion: modelVersion)
                try AtomicFile.write(Array(csv.utf8), to: directory, name: names[0])
                try AtomicFile.write(job.report, to: directory, name: names[1])
            case .stored, .rejected, .duplicate:
                try AtomicFile.write(job.report, to: directory, name: names[0])
            }
        } catch {
            throw PipelineError.wrap(error)
        }
        return names
    }

    /// The predictions file's text for a stored batch and model (`PredictionTable`, the same layout
    /// `shopperd score` writes). In an A/B rollout the rows the challenger answered carry its
    /// prediction and version (`rollout_predictions.answered_by`).
    package func predictionsCSV(batchVersion: Int, modelVersion: Int) throws -> String {
        var predictions = try store.predictions(batchVersion: batchVersion, modelVersion: modelVersion)
        let lines = try store.sessions(fromVersion: batchVersion, throughVersion: batchVersion).map(\.line)
        guard lines.count == predictions.count else {
            throw PipelineError.model("store version \(batchVersion) has \(lines.count) rows but \(predictions.count) predictions by model \(modelVersion)")
        }
        var versions = Array(repeating: modelVersion, count: predictions.count)
        let answering = try store.answeringModels(batchVersion: batchVersion)
        var others: [Int: [Int: Prediction]] = [:]
        for (row, version) in answering where version != modelVersion && row >= 1 && row <= predictions.count {
            if others[version] == nil {
                others[version] = Dictionary(uniqueKeysWithValues: try store.predictions(batchVersion: batchVersion, modelVersion: version)
                    .map { ($0.rowNumber, $0) })
            }
            guard let prediction = others[version]?[row] else {
                throw PipelineError.model("store version \(batchVersion) row \(row) was answered by model \(version), which has no prediction for it")
            }
            predictions[row - 1] = prediction
            versions[row - 1] = version
        }
        let ids = predictions.map { BatchPredictionID.make(batchVersion: batchVersion, row: $0.rowNumber) }
        return PredictionTable(predictions: predictions, lines: lines, modelVersions: versions, ids: ids).csv()
    }
}
