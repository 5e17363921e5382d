import Foundation
import ShopperCore
import ShopperML
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

    /// From this many rows on, a request's rows are shared among the processors.
    static let parallelRows = 512

    package func score(_ sessions: [Session]) async throws(ServeFailure) -> ScoredRows {
        guard let serving = watch.model else {
            throw .request("no champion model yet: the store has none (train one, or let the daemon bootstrap)", status: 503)
        }
        // `ModelCatalog.score`'s steps, with the model's feature set resolved once at load: the
        // calibrated probability, the label at the model's stored threshold. One row takes the
        // forest's single-row walk; the numbers are bit-identical to the batch path's.
        let model = serving.model
        let probabilities: [Double]
        do {
            if sessions.count == 1 {
                let row = serving.features.features.map { $0.value(sessions[0]) }
                probabilities = [model.probability(row: row)]
            } else {
                let workers = sessions.count >= Self.parallelRows ? ProcessInfo.processInfo.activeProcessorCount : 1
                probabilities = try await model.probabilities(for: serving.features.matrix(for: sessions), workers: workers)
            }
        } catch {
            throw .request("champion v\(serving.version) cannot score: \(error)", status: 500)
        }
        metrics?.predictions(version: serving.version, count: probabilities.count)
        return ScoredRows(version: serving.version, threshold: model.threshold, probabilities: probabilities,
                          labels: model.labels(for: probabilities), ids: ids.next(probabilities.count))
    }
}
