/// The operating threshold chosen to reach a target recall, and what it costs.
///
/// Recall matters most here (a missed buyer costs more than a false alarm), so the threshold is
/// the *highest* score `t` such that flagging every row with score ≥ t finds at least
/// `targetRecall` of the buyers: the best precision among thresholds that reach the target.
/// Chosen on validation rows or out-of-bag predictions, never on test rows.
public struct ThresholdChoice: Sendable, Codable, Hashable {
    /// Flag a row as a buyer when its probability is ≥ this.
    public var threshold: Double
    /// The recall asked for.
    public var targetRecall: Double
    /// The recall reached on the rows the threshold was chosen on.
    public var recall: Double
    /// The precision at that threshold on those rows: the price of the recall.
    public var precision: Double
    /// Which rows the threshold was chosen on (`outOfBag`, `validation`).
    public var chosenOn: String

    public init(threshold: Double, targetRecall: Double, recall: Double, precision: Double, chosenOn: String) {
        self.threshold = threshold
        self.targetRecall = targetRecall
        self.recall = recall
        self.precision = precision
        self.chosenOn = chosenOn
    }

    /// The highest threshold among the distinct scores that reaches `targetRecall` (in (0, 1]).
    /// Nil without positive rows.
    public static func forRecall(
        _ targetRecall: Double, scores: [Double], labels: [Bool], chosenOn: String
    ) -> ThresholdChoice? {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        let positives = labels.lazy.filter { $0 }.count
        guard positives > 0 else { return nil }
        // Exact integer comparison: tp / P ≥ target ⇔ tp ≥ ⌈target·P⌉ (guarding rounding of target·P).
        var needed = Int((targetRecall * Double(positives)).rounded(.up))
        if Double(needed - 1) / Double(positives) >= targetRecall { needed -= 1 }
        needed = max(1, min(positives, needed))
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0
        var flagged = 0
        var i = 0
        while i < order.count {
            let score = scores[order[i]]
            while i < order.count && scores[order[i]] == score {
                if labels[order[i]] { truePositives += 1 }
                flagged += 1
                i += 1
            }
            if truePositives >= needed {
                return ThresholdChoice(
                    threshold: score, targetRecall: targetRecall,
                    recall: Double(truePositives) / Double(positives),
                    precision: Double(truePositives) / Double(flagged), chosenOn: chosenOn)
            }
        }
        return nil  // unreachable: every positive is flagged at the lowest score
    }
}
