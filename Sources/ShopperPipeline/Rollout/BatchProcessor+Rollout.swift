import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// A batch scored while a rollout runs: the challenger's predictions beside the champion's, and
/// which rows the challenger answers (A/B).
struct RolloutScores: Sendable {
    let rollout: RolloutRecord
    let challenger: [Prediction]
    /// Per row: the challenger's answer goes to the predictions file (always false in shadow mode).
    let challengerAnswers: [Bool]
}

/// The ids of a batch's predictions: `b<store version>-<row>` (`b12-3`), the same on every
/// delivery of the batch, unlike the live endpoint's random-prefixed ids, from which they never collide.
package enum BatchPredictionID {
    package static func make(batchVersion: Int, row: Int) -> String { "b\(batchVersion)-\(row)" }
}

/// The inbox's feedback column: a labelled batch row that names the prediction it is the outcome of.
package enum FeedbackColumn {
    package static let name = "prediction_id"
}

extension BatchProcessor {
    /// The challenger's predictions for a batch scored while `rollout` (of the current champion) runs.
    func rolloutScores(_ batch: ParsedBatch, rollout: RolloutRecord, batchVersion: Int) async throws -> RolloutScores {
        let model = try catalog.model(version: rollout.challengerVersion)
        let challenger = try await ModelCatalog.score(batch.sessions, with: model)
        let answers: [Bool] = challenger.indices.map { index in
            rollout.mode == .ab && RolloutAssignment.challengerAnswers(
                key: BatchPredictionID.make(batchVersion: batchVersion, row: index + 1), rolloutID: rollout.id, share: rollout.share)
        }
        return RolloutScores(rollout: rollout, challenger: challenger, challengerAnswers: answers)
    }

    /// The outcomes a labelled batch reports for earlier predictions: rows with a `prediction_id`
    /// and a label. Their positions are returned too: they are the outcome of an earlier prediction,
    /// so they do not also count as a new outcome of this batch's own predictions.
    static func feedback(in batch: ParsedBatch) -> (reports: [OutcomeReport], rows: Set<Int>) {
        guard let ids = batch.cells(ofExtraColumn: FeedbackColumn.name) else { return ([], []) }
        var reports: [OutcomeReport] = []
        var rows = Set<Int>()
        for (index, id) in ids.enumerated() where !id.isEmpty {
            rows.insert(index)
            if let label = batch.sessions[index].revenue { reports.append(OutcomeReport(predictionID: id, outcome: label)) }
        }
        return (reports, rows)
    }

    /// Inside the batch's commit: joins the batch's feedback rows, records its rows as the running
    /// rollout's predictions (a labelled row's outcome known at once), then looks at the rollout.
    /// The batch's rows are recorded only when the rollout the batch was scored for still runs and
    /// no retrain in this commit replaced it.
    func recordRollout(_ p: PreparedBatch, batchVersion: Int, in tx: StoreTransaction) throws -> (BatchReport.RolloutSection?, RolloutStep?) {
        let feedback = Self.feedback(in: p.batch)
        let counts = try tx.joinOutcomes(feedback.reports, at: p.receivedAt)
        var recorded = 0, answered = 0, newOutcomes = 0
        if let scores = p.rollout, let running = try tx.runningRollout(), running.id == scores.rollout.id {
            var rows: [RolloutPrediction] = []
            rows.reserveCapacity(scores.challenger.count)
            for index in scores.challenger.indices {
                let row = index + 1
                let outcome = feedback.rows.contains(index) ? nil : p.batch.sessions[index].revenue
                if outcome != nil { newOutcomes += 1 }
                if scores.challengerAnswers[index] { answered += 1 }
                rows.append(RolloutPrediction(
                    predictionID: BatchPredictionID.make(batchVersion: batchVersion, row: row), rolloutID: running.id, source: .batch,
                    batchVersion: batchVersion, rowNumber: row, championProbability: p.championPredictions[index].probability,
                    challengerProbability: scores.challenger[index].probability,
                    answeredBy: scores.challengerAnswers[index] ? running.challengerVersion : running.championVersion,
                    predictedAt: p.receivedAt, outcome: outcome))
            }
            try tx.recordRolloutPredictions(rows)
            try tx.savePredictions(scores.challenger, batchVersion: batchVersion, modelVersion: running.challengerVersion)
            recorded = rows.count
        }
        let step = try RolloutJudge.look(in: tx, now: p.receivedAt)
        guard recorded > 0 || counts.total > 0 || step != nil else { return (nil, nil) }
        let rollout = step?.rollout ?? p.rollout?.rollout
        let section = BatchReport.RolloutSection(
            id: rollout?.id, mode: rollout?.mode, championVersion: rollout?.championVersion,
            challengerVersion: rollout?.challengerVersion, rowsRecorded: recorded, rowsAnsweredByChallenger: answered,
            newOutcomes: newOutcomes, feedback: feedback.reports.isEmpty ? nil : counts, state: rollout?.state,
            look: step?.look, verdict: step?.summary)
        return (section, step)
    }
}
