import Foundation

/// The operating threshold chosen to reach a target recall, and what it costs.
///
/// Recall matters most here (a missed buyer costs more than a false alarm), so the threshold is
/// the *highest* score `t` such that flagging every row with score ≥ t finds at least
/// `targetRecall` of the buyers — the best precision among thresholds that reach the target.
/// Chosen on validation rows or out-of-bag predictions, never on test rows.
///
/// A recall measured on P buyers is itself an estimate (standard error √(r(1−r)/P), about 0.01
/// for the 1,500 buyers of the bundled training rows), so the plain rule (`confidence` 0.5) lands
/// below the target on new data half the time. With `confidence` c > 0.5 the rule asks instead
/// that the one-sided Wilson lower bound of the recall, at level c, reach the target: the
/// threshold reaches the target recall with confidence c, at some cost in precision.
package struct ThresholdChoice: Sendable, Codable, Hashable {
    /// Flag a row as a buyer when its probability is ≥ this.
    package var threshold: Double
    /// The recall asked for.
    package var targetRecall: Double
    /// The confidence with which the recall must reach the target (0.5: point estimate).
    package var confidence: Double
    /// The recall reached on the rows the threshold was chosen on.
    package var recall: Double
    /// The Wilson lower bound of that recall at `confidence`.
    package var recallLowerBound: Double
    /// The precision at that threshold on those rows: the price of the recall.
    package var precision: Double
    /// Which rows the threshold was chosen on (`outOfBag`, `validation`).
    package var chosenOn: String
    /// Buyers among those rows.
    package var positives: Int

    package init(
        threshold: Double, targetRecall: Double, confidence: Double, recall: Double, recallLowerBound: Double,
        precision: Double, chosenOn: String, positives: Int
    ) {
        self.threshold = threshold
        self.targetRecall = targetRecall
        self.confidence = confidence
        self.recall = recall
        self.recallLowerBound = recallLowerBound
        self.precision = precision
        self.chosenOn = chosenOn
        self.positives = positives
    }

    /// The highest threshold among the distinct scores whose recall (or its lower bound at
    /// `confidence`) reaches `targetRecall` ∈ (0, 1]; when no threshold can, the lowest score
    /// (every row flagged, recall 1). Nil without positive rows.
    package static func forRecall(
        _ targetRecall: Double, confidence: Double = 0.5, scores: [Double], labels: [Bool], chosenOn: String
    ) -> ThresholdChoice? {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        precondition(confidence >= 0.5 && confidence < 1, "confidence must be in [0.5, 1)")
        let positives = labels.lazy.filter { $0 }.count
        guard positives > 0 else { return nil }
        let z = NormalDistribution.quantile(confidence)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0
        var flagged = 0
        var i = 0
        var choice: ThresholdChoice? = nil
        while i < order.count {
            let score = scores[order[i]]
            while i < order.count && scores[order[i]] == score {
                if labels[order[i]] { truePositives += 1 }
                flagged += 1
                i += 1
            }
            let bound = wilsonLowerBound(successes: truePositives, trials: positives, z: z)
            choice = ThresholdChoice(
                threshold: score, targetRecall: targetRecall, confidence: confidence,
                recall: Double(truePositives) / Double(positives), recallLowerBound: bound,
                precision: Double(truePositives) / Double(flagged), chosenOn: chosenOn, positives: positives)
            // Plain rule: the recall itself, computed as any metric would compute it.
            let reached = z == 0 ? Double(truePositives) / Double(positives) >= targetRecall : bound >= targetRecall
            if reached { return choice }
        }
        return choice
    }

    /// The fewest buyers with which the recall's lower bound at `confidence` can reach
    /// `targetRecall` at all (every buyer found: P / (P + z²) ≥ target). With fewer, the rule falls
    /// back to flagging every row. 1 for the plain rule (confidence 0.5).
    package static func minimumPositives(forRecall targetRecall: Double, confidence: Double) -> Int {
        precondition(targetRecall > 0 && targetRecall <= 1 && confidence >= 0.5 && confidence < 1)
        let z = NormalDistribution.quantile(confidence)
        guard z > 0 else { return 1 }
        guard targetRecall < 1 else { return Int.max }
        var p = max(1, Int((z * z * targetRecall / (1 - targetRecall)).rounded(.down)))
        while wilsonLowerBound(successes: p, trials: p, z: z) < targetRecall { p += 1 }
        return p
    }

    /// The lower end of the Wilson score interval for a proportion, one-sided at quantile `z`
    /// (z = 0 gives the proportion itself).
    package static func wilsonLowerBound(successes: Int, trials: Int, z: Double) -> Double {
        let n = Double(trials)
        let p = Double(successes) / n
        guard z > 0 else { return p }
        let z2 = z * z
        let centre = p + z2 / (2 * n)
        let spread = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return (centre - spread) / (1 + z2 / n)
    }
}
