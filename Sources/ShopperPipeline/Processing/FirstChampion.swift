import Foundation
import ShopperCore
import ShopperML

/// Training the first champion: the one step both a labelled batch with no champion and
/// `--bootstrap FILE` take, on every labelled row the store holds (the newest
/// `trainingWindowRows`), the batch's own included.
///
/// It ends in one of three ways, none of them an error of the batch: a model that passes the
/// `EvidenceRule` and may serve; not enough evidence yet (too few rows of a class, a held-out set
/// that cannot judge it, a threshold that flags everyone), so the rows stay in the store and the
/// next labelled batch tries again with them; or a training failure, reported as such.
/// Cancellation (`ForestError.cancelled`, the daemon stopping) is not an ending: it propagates and
/// nothing is committed.
struct FirstChampion: Sendable {
    enum Result: Sendable {
        case trained(ChallengerTrial, EvidenceVerdict)
        /// The store's labelled rows are not enough evidence yet.
        case waiting(EvidenceVerdict)
        /// Training ran and failed for a reason that is not a stop.
        case failed(ForestError, EvidenceVerdict)

        /// One line for the report and the journal.
        var reason: String {
            switch self {
            case .trained(let trial, let verdict):
                "no champion yet: trained the first one on \(trial.trainingRows) labelled rows; evidence: \(verdict.summary)"
            case .waiting(let verdict):
                "no champion yet: the first champion waits for more labelled rows: \(verdict.summary)"
            case .failed(let error, let verdict):
                "no champion yet: training the first champion on \(verdict.labelledRows ?? 0) labelled rows failed: \(error)"
            }
        }
    }

    /// Trains on `labelled` (oldest first; only rows with a label) when the rule allows it.
    /// `yield`: pause the training while it holds (live scoring is busy; `ServingLoad`).
    static func attempt(
        labelled: [VersionedSession], settings: PipelineSettings, storeVersion: Int, yield: (@Sendable () -> Bool)? = nil
    ) async throws -> Result {
        let window = Array(labelled.suffix(settings.trainingWindowRows))
        let rows = window.map(\.session)
        let buyers = rows.lazy.filter { $0.revenue == true }.count
        let before = settings.evidence.canTrain(rows: rows.count, buyers: buyers, minRows: settings.minBootstrapRows)
        guard before.sufficient else { return .waiting(before) }
        let model: ForestModel
        let paused: Duration
        do {
            (model, paused) = try await ModelCatalog.train(
                rows, settings: settings, configuration: settings.training, storeVersion: storeVersion, yield: yield)
        } catch let error as ForestError where error != .cancelled {
            return .failed(error, before)
        }
        let metadata = model.metadata
        let verdict = settings.evidence.mayServe(
            choice: metadata.thresholdChoice, outOfBag: metadata.outOfBag, heldOut: metadata.holdout,
            labelledRows: rows.count, buyers: buyers)
        guard verdict.sufficient else { return .waiting(verdict) }
        let trial = ChallengerTrial(
            model: model, trainingFromVersion: window.first?.version, trainingRows: rows.count, evaluation: nil,
            promoted: true, verdict: "first champion", paused: paused)
        return .trained(trial, verdict)
    }
}
