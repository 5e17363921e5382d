import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// The MLflow run of one registered model: what it was trained on and how, how good it is
/// (shopperd's own figures, measured on held-out rows and out of bag), its importances, and the
/// model file itself.
///
/// The figures come from the model file (`ModelFile.decode`): ShopperML's own metadata, checked
/// against the registry's SHA-256, whatever shape the registry's JSON blobs take. Those blobs are
/// uploaded verbatim too, under `registry/`.
package enum TrainingRun {
    /// The artifact directory of the model file; the registered version's source is `runs:/<run>/model`.
    package static let modelDirectory = "model"
    package static let modelFileName = "model.json"

    /// - Parameters:
    ///   - cause: the job whose decision trained this model, when the daemon trained it.
    /// - Throws: `MLflowError.unreadableEntity` when `metrics.json` cannot be encoded (a figure
    ///   that is not a finite number): the model's mirror fails and says why, rather than upload an
    ///   empty artifact.
    package static func content(
        record: ModelRecord, model: ForestModel, modelFile: Data, cause: JobRecord?
    ) throws(MLflowError) -> RunContent {
        let time = record.createdAt.millisecondsSince1970
        let metadata = model.metadata
        let parameters = model.parameters
        let featureCount = model.featureNames.count

        var params: [MLflowParam] = []
        func param(_ key: String, _ value: String) { params.append(MLflowParam(key: key, value: value)) }
        param("tree_count", String(parameters.treeCount))
        param("max_features", parameters.maxFeatures.description)
        param("max_depth", parameters.maxDepth.map(String.init) ?? "None")
        param("min_samples_leaf", String(parameters.minSamplesLeaf))
        param("class_weight", parameters.classWeight.rawValue)
        param("bootstrap", String(parameters.bootstrap))
        param("max_bins", String(parameters.maxBins))
        param("seed", String(record.seed))
        param("threshold", exact(model.threshold))
        param("calibration", model.calibration.map { "\($0.method) on \($0.fittedOn) (\($0.scores.count) knots)" } ?? "none")
        if let choice = metadata.thresholdChoice {
            param("threshold.target_recall", exact(choice.targetRecall))
            param("threshold.confidence", exact(choice.confidence))
            param("threshold.chosen_on", choice.chosenOn)
        }
        param("tuning.candidates", String(metadata.tuning.count))
        if let scoredOn = metadata.tuning.first?.scoredOn { param("tuning.scored_on", scoredOn) }
        param("training_store_version", String(record.trainingStoreVersion))
        param("training_from_version", String(record.trainingFromVersion ?? 1))
        param("training_rows", String(record.trainingRowCount))
        param("positive_rows", String(metadata.provenance.positiveRows))
        param("feature_count", String(featureCount))
        param("features", model.featureNames.joined(separator: ","))

        var metrics: [MLflowMetric] = []
        func metric(_ key: String, _ value: Double?, step: Int = 0) {
            guard let value, value.isFinite else { return }
            metrics.append(MLflowMetric(key: key, value: value, timestamp: time, step: Int64(step)))
        }
        for (prefix, report) in [("holdout", metadata.holdout), ("oob", metadata.outOfBag)] {
            guard let report else { continue }
            metric("\(prefix).roc_auc", report.rocAUC)
            metric("\(prefix).average_precision", report.averagePrecision)
            metric("\(prefix).precision", report.precision)
            metric("\(prefix).recall", report.recall)
            metric("\(prefix).f1", report.f1)
            metric("\(prefix).accuracy", report.accuracy)
            metric("\(prefix).rows", Double(report.rows))
            metric("\(prefix).positives", Double(report.positives))
            metric("\(prefix).true_positives", Double(report.confusion.truePositives))
            metric("\(prefix).false_positives", Double(report.confusion.falsePositives))
            metric("\(prefix).true_negatives", Double(report.confusion.trueNegatives))
            metric("\(prefix).false_negatives", Double(report.confusion.falseNegatives))
            // Reliability of the (calibrated) probabilities: ECE over 10 equal-width bins, Brier.
            metric("\(prefix).ece", report.reliability?.ece)
            metric("\(prefix).brier", report.reliability?.brier)
        }
        if let choice = metadata.thresholdChoice {
            metric("threshold.recall", choice.recall)
            metric("threshold.recall_lower_bound", choice.recallLowerBound)
            metric("threshold.precision", choice.precision)
        }
        // One step per tuning candidate, best first (the order ShopperML keeps them in).
        for (step, trial) in metadata.tuning.enumerated() {
            metric("tuning.roc_auc", trial.rocAUC, step: step)
            metric("tuning.average_precision", trial.averagePrecision, step: step)
            metric("tuning.min_samples_leaf", Double(trial.minSamplesLeaf), step: step)
            metric("tuning.max_features", Double(trial.maxFeatures.resolve(featureCount: featureCount)), step: step)
            metric("tuning.max_depth", trial.maxDepth.map(Double.init), step: step)
        }
        for importance in metadata.importances {
            metric("importance.\(importance.feature)", importance.meanDecreaseImpurity)
            metric("permutation_importance.\(importance.feature)", importance.permutationAUCDrop)
        }

        let entity = MirrorEntity.model(version: record.version)
        var tags = [
            entity.tag,
            MLflowTag(key: "shopperd.model_version", value: String(record.version)),
            MLflowTag(key: "shopperd.store_version", value: String(record.trainingStoreVersion)),
            MLflowTag(key: "shopperd.seed", value: String(record.seed)),
            MLflowTag(key: "shopperd.code_version", value: record.codeVersion),
            MLflowTag(key: "shopperd.model_sha256", value: record.modelSHA256),
            MLflowTag(key: "shopperd.trained_at", value: JSONPolicy.timestamp(record.createdAt)),
            MLflowTag(key: "mlflow.user", value: "shopperd"),
            MLflowTag(key: "mlflow.source.name", value: "shopperd"),
            MLflowTag(key: "mlflow.source.type", value: "JOB"),
        ]
        if let cause {
            tags.append(MLflowTag(key: "shopperd.decision", value: cause.decision))
            tags.append(MLflowTag(key: "shopperd.job", value: cause.id))
        }
        tags.append(MLflowTag(key: "mlflow.note.content", value: note(record: record, model: model, cause: cause)))

        var artifacts = [
            RunArtifact(path: "\(modelDirectory)/\(modelFileName)", data: modelFile, contentType: "application/json"),
            RunArtifact(path: "metrics.json", data: try metricsDocument(record: record, model: model), contentType: "application/json"),
        ]
        for (name, blob) in [("params", record.params), ("metrics", record.metrics), ("importances", record.importances)]
        where !blob.isEmpty {
            artifacts.append(RunArtifact(path: "registry/\(name).json", data: blob, contentType: "application/json"))
        }
        return RunContent(entity: entity, runName: "model-\(record.version)", startTime: time, params: params,
                          metrics: metrics, tags: tags, artifacts: artifacts)
    }

    /// The registered version's description.
    package static func versionDescription(record: ModelRecord, model: ForestModel) -> String {
        var text = "shopperd model \(record.version): trained on store versions \(record.trainingFromVersion ?? 1)…"
            + "\(record.trainingStoreVersion) (\(record.trainingRowCount) rows), threshold \(exact(model.threshold))"
        if let auc = model.metadata.holdout?.rocAUC { text += ", holdout ROC AUC \(String(format: "%.4f", auc))" }
        return text + "."
    }

    /// The registered version's tags.
    package static func versionTags(record: ModelRecord) -> [MLflowTag] {
        [
            MLflowTag(key: "shopperd.model_version", value: String(record.version)),
            MLflowTag(key: "shopperd.model_sha256", value: record.modelSHA256),
            MLflowTag(key: "shopperd.store_version", value: String(record.trainingStoreVersion)),
        ]
    }

    /// `metrics.json`: the model's figures as ShopperML reports them (sorted keys, ISO dates).
    static func metricsDocument(record: ModelRecord, model: ForestModel) throws(MLflowError) -> Data {
        struct Document: Encodable {
            var model_version: Int
            var threshold: Double
            var parameters: ForestParameters
            var metadata: ModelMetadata
        }
        do {
            return try JSONPolicy.encode(Document(model_version: record.version, threshold: model.threshold,
                                                  parameters: model.parameters, metadata: model.metadata))
        } catch {
            throw .unreadableEntity("model \(record.version)'s metrics.json cannot be encoded: \(error)")
        }
    }

    /// The run's description in MLflow's UI (markdown).
    static func note(record: ModelRecord, model: ForestModel, cause: JobRecord?) -> String {
        var lines = ["**shopperd model \(record.version)**, trained \(JSONPolicy.timestamp(record.createdAt)) by shopperd \(record.codeVersion)."]
        lines.append("")
        lines.append("Training data: store versions \(record.trainingFromVersion ?? 1)–\(record.trainingStoreVersion), "
            + "\(record.trainingRowCount) labelled rows (\(model.metadata.provenance.positiveRows) buyers), seed \(record.seed).")
        if let holdout = model.metadata.holdout {
            lines.append("Holdout (\(holdout.rows) rows): ROC AUC \(fixed(holdout.rocAUC)), AP \(fixed(holdout.averagePrecision)), "
                + "precision \(fixed(holdout.precision)), recall \(fixed(holdout.recall)) at threshold \(fixed(model.threshold)).")
        }
        if let cause {
            lines.append("Trained by job \(cause.id) (`\(cause.decision)`).")
        }
        return lines.joined(separator: "\n")
    }

    static func fixed(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "n/a" }

    /// A number as text that reads back to the same Double.
    static func exact(_ value: Double) -> String { "\(value)" }
}
