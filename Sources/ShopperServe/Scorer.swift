import Foundation
import ShopperCore
import ShopperPipeline
import ShopperStore

/// One request's predictions, all from the one model version they name.
package struct ScoredRows: Sendable {
    package var version: Int
    package var threshold: Double
    package var probabilities: [Double]
    package var labels: [Bool]
    package var ids: [String]
}

/// Scores sessions with the champion of the moment, through the pipeline's own scoring code
/// (`ModelCatalog.score`: the calibrated probability, the label at the model's stored threshold).
package final class Scorer: Sendable {
    package let watch: ChampionWatch
    private let ids = PredictionIDs()
    private let metrics: ServeMetrics?

    package init(watch: ChampionWatch, metrics: ServeMetrics? = nil) {
        self.watch = watch
        self.metrics = metrics
    }

    package func score(_ sessions: [Session]) async throws(ServeFailure) -> ScoredRows {
        guard let serving = watch.model else {
            throw .request("no champion model yet: the store has none (train one, or let the daemon bootstrap)", status: 503)
        }
        let predictions: [Prediction]
        do {
            let workers = sessions.count >= 2_000 ? ProcessInfo.processInfo.activeProcessorCount : 1
            predictions = try await ModelCatalog.score(sessions, with: serving.model, workers: workers)
        } catch {
            throw .request("champion v\(serving.version) cannot score: \(error)", status: 500)
        }
        metrics?.predictions(version: serving.version, count: predictions.count)
        return ScoredRows(version: serving.version, threshold: serving.model.threshold, probabilities: predictions.map(\.probability),
                          labels: predictions.map(\.label), ids: ids.next(predictions.count))
    }
}
