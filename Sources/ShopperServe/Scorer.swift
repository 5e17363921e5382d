import Foundation
import ShopperCore
import ShopperML
import ShopperPipeline
import ShopperStore

/// One request's predictions, all from the one model version they name.
package struct ScoredRows: Sendable {
    package var version: Int
    package var threshold: Double
    package var probabilities: [Double]
    package var labels: [Bool]
    package var ids: PredictionIDs.Block
}

/// Scores sessions with the champion of the moment, through the pipeline's own scoring code
/// (`ModelCatalog.score`: the calibrated probability, the label at the model's stored threshold).
///
/// While a rollout of that champion runs, the challenger scores the same rows, and the ledger
/// keeps both probabilities under the prediction ids for the outcomes to join. In shadow mode the
/// champion answers; in A/B mode the challenger answers a request when the request's key falls in
/// its share: the client's session key (`X-Session-Key`), so one visitor always meets the same
/// model, or else the request's first prediction id. A whole request is answered by one model, so
/// every answer names the one version that produced all its rows.
package final class Scorer: Sendable {
    package let watch: ChampionWatch
    private let ids = PredictionIDs()
    private let metrics: ServeMetrics?
    package let ledger: LiveLedger?
    /// The count of scoring requests the daemon's trainings watch, to yield to live scoring.
    private let activity: ServingActivity?

    package init(watch: ChampionWatch, metrics: ServeMetrics? = nil, ledger: LiveLedger? = nil, activity: ServingActivity? = nil) {
        self.watch = watch
        self.metrics = metrics
        self.ledger = ledger
        self.activity = activity
    }

    /// From this many rows on, a request's rows are shared among the processors.
    static let parallelRows = 512

    package func score(_ sessions: [Session], sessionKey: String? = nil) async throws(ServeFailure) -> ScoredRows {
        guard let serving = watch.model else {
            throw .request("no champion model yet: the store has none (train one, or let the daemon bootstrap)", status: 503)
        }
        activity?.add()
        let ids = ids.next(sessions.count)
        guard let rollout = watch.rollout, rollout.championVersion == serving.version, let ledger, !sessions.isEmpty else {
            let champion = try await probabilities(sessions, with: serving)
            metrics?.predictions(version: serving.version, count: champion.count)
            return ScoredRows(version: serving.version, threshold: serving.model.threshold, probabilities: champion,
                              labels: serving.model.labels(for: champion), ids: ids)
        }
        // Only the answering model scores on the request path; the ledger has the other one score
        // the buffered rows in batches, off it.
        let challengerAnswers = rollout.mode == .ab
            && RolloutAssignment.challengerAnswers(key: sessionKey ?? ids[0], rolloutID: rollout.id, share: rollout.share)
        let answering = challengerAnswers ? rollout.challenger : serving
        let answered = try await probabilities(sessions, with: answering)
        metrics?.predictions(version: answering.version, count: answered.count)
        ledger.record(LiveLedger.Answered(
            rolloutID: rollout.id, sessions: sessions, ids: ids, answered: answered, answeredBy: answering.version,
            answeredByChampion: !challengerAnswers, other: challengerAnswers ? serving : rollout.challenger, at: Date()))
        return ScoredRows(version: answering.version, threshold: answering.model.threshold, probabilities: answered,
                          labels: answering.model.labels(for: answered), ids: ids)
    }

    /// One model's calibrated probabilities: `ModelCatalog.score`'s steps, with the model's feature
    /// set resolved once at load. One row takes the forest's single-row walk; the numbers are
    /// bit-identical to the batch path's.
    private func probabilities(_ sessions: [Session], with serving: ServingModel) async throws(ServeFailure) -> [Double] {
        let model = serving.model
        do {
            if sessions.count == 1 {
                let row = serving.features.features.map { $0.value(sessions[0]) }
                return [model.probability(row: row)]
            }
            let workers = sessions.count >= Self.parallelRows ? ProcessInfo.processInfo.activeProcessorCount : 1
            return try await model.probabilities(for: serving.features.matrix(for: sessions), workers: workers)
        } catch {
            throw .request("model v\(serving.version) cannot score: \(error)", status: 500)
        }
    }
}
