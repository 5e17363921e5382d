import Foundation
import ShopperCore
import ShopperML
import ShopperStore

/// `shopperd train --promote` while a champion serves: the same paired test a challenger faces in
/// the daemon (`PromotionRule`: promoted unless significantly worse), on the rows neither model
/// trained on. The new model's procedure held out 20 % of the labelled rows (`Trainer`'s holdout,
/// scored by the procedure fitted without them); of those, the rows from store versions outside the
/// champion's training window are unseen by both. Fewer than the evidence rule's buyers and
/// non-buyers among them (5 each) judge nothing: the promotion is refused, and the operator
/// promotes explicitly (`models promote`) or starts a rollout to collect the evidence.
///
/// The holdout scores are the procedure's (tuned and calibrated without the holdout), not the final
/// model's, which is refitted on every row: the same measurement as the model's holdout ROC AUC.
package struct OperatorTrial: Sendable, Encodable {
    package enum Verdict: String, Sendable, Codable {
        /// The paired test passed: promote.
        case passed
        /// Significantly worse than the champion: registered, not promoted.
        case keptOut = "kept-out"
        /// Too few unseen rows of a class: registered, not promoted.
        case cannotJudge = "cannot-judge"
    }

    package var verdict: Verdict
    package var championVersion: Int
    /// The holdout rows neither model trained on, and the buyers among them.
    package var rows: Int
    package var buyers: Int
    @ExplicitNull package var comparison: PairedComparison?
    /// One line for the alias history and the terminal.
    package var summary: String

    /// `shopperd train --promote --format json`'s `trial`.
    enum CodingKeys: String, CodingKey {
        case verdict, rows, buyers, summary
        case championVersion = "champion_version"
        case comparison = "paired_test"
    }

    package static func judge(
        holdout: Trainer.HoldoutScores?, sessions: [Session], versions: [Int], championVersion: Int, champion: ForestModel,
        championWindow: ClosedRange<Int>, rule: PromotionRule, evidence: EvidenceRule, seed: UInt64
    ) async throws -> OperatorTrial {
        // Positions in the holdout of the rows from store versions the champion never trained on.
        let unseen = holdout.map { h in h.rows.indices.filter { !championWindow.contains(versions[h.rows[$0]]) } } ?? []
        let labels = unseen.map { holdout!.labels[$0] }  // non-empty only with a holdout
        let buyers = labels.filter { $0 }.count
        let window = "store versions \(championWindow.lowerBound)…\(championWindow.upperBound)"
        guard let holdout, buyers >= evidence.minHeldOutClassRows, labels.count - buyers >= evidence.minHeldOutClassRows else {
            return OperatorTrial(
                verdict: .cannotJudge, championVersion: championVersion, rows: labels.count, buyers: buyers, comparison: nil,
                summary: "cannot be judged against champion v\(championVersion): \(labels.count) of its holdout rows (\(buyers) buyers) "
                    + "come from outside the champion's training window (\(window)); the paired test needs "
                    + "\(evidence.minHeldOutClassRows) buyers and \(evidence.minHeldOutClassRows) non-buyers the champion never saw")
        }
        let sessionsJudged = unseen.map { sessions[holdout.rows[$0]] }
        let championScores = try await ModelCatalog.score(sessionsJudged, with: champion).map(\.probability)
        let challengerScores = unseen.map { holdout.scores[$0] }
        guard let comparison = rule.judge(metric: .rocAUC, labels: labels, champion: championScores, championThreshold: champion.threshold,
                                          challenger: challengerScores, challengerThreshold: holdout.threshold, seed: seed) else {
            return OperatorTrial(verdict: .cannotJudge, championVersion: championVersion, rows: labels.count, buyers: buyers,
                                 comparison: nil, summary: "cannot be judged against champion v\(championVersion): ROC AUC undefined")
        }
        let level = Int((comparison.confidence * 100).rounded())
        let figures = String(format: "roc_auc on %d holdout rows the champion never saw (%d buyers): new %.4f vs champion v%d %.4f, "
                                + "difference %+.4f (%d %% CI %+.4f … %+.4f, delong one-sided p = %.3g that it is worse)",
                             labels.count, buyers, comparison.challenger, championVersion, comparison.champion, comparison.difference,
                             level, comparison.intervalLow, comparison.intervalHigh, comparison.pValueWorse)
        return OperatorTrial(
            verdict: comparison.passed ? .passed : .keptOut, championVersion: championVersion, rows: labels.count, buyers: buyers,
            comparison: comparison,
            summary: (comparison.passed ? "not significantly worse: " : "significantly worse: ") + figures + "; rule: \(comparison.rule)")
    }
}
