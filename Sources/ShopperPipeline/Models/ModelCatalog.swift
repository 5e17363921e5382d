import Foundation
import ShopperCore
import ShopperML
import ShopperStore
import Synchronization

/// The bridge between the forest (`ShopperML`) and the registry (`ShopperStore`): turns a trained
/// model into a registry entry, loads registered models back (checked, and cached: a model file is
/// decoded once per process, not once per batch), and scores sessions into stored predictions.
///
/// `shopperd train`, `models`, `score` and the daemon all go through it, so a model is registered
/// and read one way only.
package final class ModelCatalog: Sendable {
    package let store: ShopperStore
    /// Decoded models, least recently used first. Bounded: a daemon promotes model after model for
    /// months, each decoded forest holds megabytes (tens, for forests grown on tens of thousands of
    /// rows), and only the serving model is asked for again; a rollback decodes its model anew.
    private let cache = Mutex<[(version: Int, model: ForestModel)]>([])
    static let cacheLimit = 1

    package init(store: ShopperStore) {
        self.store = store
    }

    /// A registry entry for a trained model. `trainingFromVersion` is the oldest store version of
    /// its training window (nil: from the first version).
    package static func draft(for model: ForestModel, trainingFromVersion: Int?) throws -> ModelDraft {
        let payloads = try ModelDocuments.encode(model)
        let provenance = model.metadata.provenance
        return ModelDraft(
            params: payloads.params, metrics: payloads.metrics, importances: payloads.importances,
            trainingStoreVersion: provenance.storeVersion ?? 0, trainingFromVersion: trainingFromVersion,
            trainingRowCount: provenance.trainingRows, seed: model.parameters.seed,
            codeVersion: provenance.codeVersion, modelFile: try ModelFile.encode(model))
    }

    /// Trains a model on labelled sessions (the `Trainer` workflow: tuned and thresholded out of bag,
    /// measured on a holdout, refitted on every row), stamped with the store version it reflects,
    /// at normal priority (an operator's `shopperd train`; the daemon's trainings go through
    /// `train(_:settings:configuration:storeVersion:yield:)`).
    package static func train(
        _ sessions: [Session], features: FeatureSet, configuration: TrainingConfiguration, storeVersion: Int,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) async throws -> ForestModel {
        try await trainReportingHoldout(sessions, features: features, configuration: configuration, storeVersion: storeVersion,
                                        workers: workers).model
    }

    /// A training of the daemon's (a challenger, the first champion), run as `settings` say: on
    /// `BackgroundExecutor` for `trainingBackground`, yielding to live scoring while `yield` holds
    /// (nil: never); at normal priority throughout when `trainingBackground` is nil.
    static func train(
        _ sessions: [Session], settings: PipelineSettings, configuration: TrainingConfiguration, storeVersion: Int,
        yield: (@Sendable () -> Bool)?
    ) async throws -> (model: ForestModel, paused: Duration) {
        guard let background = settings.trainingBackground else {
            let model = try await train(sessions, features: settings.featureSet, configuration: configuration, storeVersion: storeVersion,
                                        workers: settings.trainingWorkers)
            return (model, .zero)
        }
        return try await trainInBackground(sessions, features: settings.featureSet, configuration: configuration, storeVersion: storeVersion,
                                           workers: settings.trainingWorkers, normalAfter: background, yield: yield)
    }

    /// `train` on `BackgroundExecutor`'s lowest-priority threads for `normalAfter` (the daemon's
    /// trainings), pausing between jobs while `yield` holds (live scoring is busy; see
    /// `ServingLoad`): the model, and how long the training paused.
    package static func trainInBackground(
        _ sessions: [Session], features: FeatureSet, configuration: TrainingConfiguration, storeVersion: Int,
        workers: Int, normalAfter: Duration, yield: (@Sendable () -> Bool)?
    ) async throws -> (model: ForestModel, paused: Duration) {
        let (model, snapshot) = try await BackgroundExecutor.run(threads: workers, normalAfter: normalAfter, yield: yield) {
            try await trainReportingHoldout(sessions, features: features, configuration: configuration, storeVersion: storeVersion,
                                            workers: workers).model
        }
        return (model, snapshot.paused)
    }

    /// `train`, with the holdout's rows and the procedure's scores on them (`Trainer.HoldoutScores`).
    package static func trainReportingHoldout(
        _ sessions: [Session], features: FeatureSet, configuration: TrainingConfiguration, storeVersion: Int,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) async throws -> (model: ForestModel, holdout: Trainer.HoldoutScores?) {
        let labels = try FeatureSet.labels(for: sessions)
        let provenance = Provenance(storeVersion: storeVersion, codeVersion: ShopperdVersion.current)
        var (model, holdout) = try await Trainer(configuration: configuration, workers: workers)
            .trainReportingHoldout(features.matrix(for: sessions), labels: labels, provenance: provenance)
        model.metadata.provenance.trainedAt = Date()  // `trainedAt` is when training finished
        return (model, holdout)
    }

    /// A registered model, decoded from its file (once, while it stays among the most recently used).
    package func model(version: Int) throws -> ForestModel {
        let cached = cache.withLock { entries -> ForestModel? in
            guard let index = entries.firstIndex(where: { $0.version == version }) else { return nil }
            entries.append(entries.remove(at: index))
            return entries.last?.model
        }
        if let cached { return cached }
        let model = try ModelFile.decode(try store.modelFile(version: version))
        cache.withLock { entries in
            entries.removeAll { $0.version == version }
            entries.append((version, model))
            entries.removeFirst(max(0, entries.count - Self.cacheLimit))
        }
        return model
    }

    /// The versions held decoded, least recently used first.
    var cachedVersions: [Int] { cache.withLock { $0.map(\.version) } }

    /// The model an alias points at, with its version.
    package func model(alias: ModelAlias) throws -> (version: Int, model: ForestModel) {
        guard let version = try store.aliases()[alias] else { throw StoreError.aliasNotSet(alias) }
        return (version, try model(version: version))
    }

    /// Probabilities and labels for `sessions` (row numbers 1-based, in order). Fails with
    /// `ForestError.featureMismatch` when the model reads features this build cannot compute.
    package static func score(
        _ sessions: [Session], with model: ForestModel, workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) async throws -> [Prediction] {
        let features = try FeatureSet.named(model.featureNames)
        let probabilities = try await model.probabilities(for: features.matrix(for: sessions), workers: workers)
        let labels = model.labels(for: probabilities)
        return probabilities.indices.map { Prediction(rowNumber: $0 + 1, probability: probabilities[$0], label: labels[$0]) }
    }
}
