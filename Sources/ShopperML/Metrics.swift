/// Ranking metrics of scores against binary labels, defined exactly as scikit-learn defines them.
package enum Metrics {
    /// Area under the ROC curve (scikit-learn's `roc_auc_score`): the trapezoidal area over the
    /// curve's distinct thresholds, so tied scores count half — the Mann–Whitney U / (P·N).
    /// Nil when a class is absent (the curve is undefined).
    package static func rocAUC(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        let positives = labels.lazy.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        var area = 0.0
        var truePositives = 0.0
        forEachTieGroup(scores: scores, labels: labels) { groupPositives, groupNegatives in
            area += Double(groupNegatives) * (truePositives + Double(groupPositives) / 2)
            truePositives += Double(groupPositives)
        }
        return area / (Double(positives) * Double(negatives))
    }

    /// Average precision (scikit-learn's `average_precision_score`): Σ (Rₖ − Rₖ₋₁) · Pₖ over the
    /// distinct thresholds from the highest score down, without interpolation. Nil without
    /// positives.
    package static func averagePrecision(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        let positives = labels.lazy.filter { $0 }.count
        guard positives > 0 else { return nil }
        var sum = 0.0
        var truePositives = 0
        var predicted = 0
        forEachTieGroup(scores: scores, labels: labels) { groupPositives, groupNegatives in
            truePositives += groupPositives
            predicted += groupPositives + groupNegatives
            if groupPositives > 0 {
                sum += Double(groupPositives) / Double(positives) * (Double(truePositives) / Double(predicted))
            }
        }
        return sum
    }

    /// Calls `body(positives, negatives)` for each group of equal scores, highest score first.
    static func forEachTieGroup(scores: [Double], labels: [Bool], _ body: (Int, Int) -> Void) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var i = 0
        while i < order.count {
            let score = scores[order[i]]
            var groupPositives = 0
            var groupNegatives = 0
            while i < order.count && scores[order[i]] == score {
                if labels[order[i]] { groupPositives += 1 } else { groupNegatives += 1 }
                i += 1
            }
            body(groupPositives, groupNegatives)
        }
    }
}

/// Counts of a binary prediction against the truth.
package struct ConfusionMatrix: Sendable, Codable, Hashable {
    package var truePositives: Int
    package var falsePositives: Int
    package var trueNegatives: Int
    package var falseNegatives: Int

    package init(truePositives: Int, falsePositives: Int, trueNegatives: Int, falseNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// Counts the rows predicted a buyer (`score ≥ threshold`) against the labels.
    package init(scores: [Double], labels: [Bool], threshold: Double) {
        precondition(scores.count == labels.count, "scores and labels differ in length")
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (score, label) in zip(scores, labels) {
            switch (score >= threshold, label) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
        self.init(truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn)
    }

    package var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
    /// Correct predictions over all rows.
    package var accuracy: Double { Double(truePositives + trueNegatives) / Double(max(1, total)) }
    /// Buyers found over rows flagged; 0 when nothing is flagged (scikit-learn's zero_division=0).
    package var precision: Double {
        let flagged = truePositives + falsePositives
        return flagged == 0 ? 0 : Double(truePositives) / Double(flagged)
    }
    /// Buyers found over all buyers; 0 when there are none.
    package var recall: Double {
        let buyers = truePositives + falseNegatives
        return buyers == 0 ? 0 : Double(truePositives) / Double(buyers)
    }
    /// Harmonic mean of precision and recall; 0 when both are 0.
    package var f1: Double {
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 0 : Double(2 * truePositives) / Double(denominator)
    }
}

/// Every figure of a model on one set of rows at one threshold. Stored with models and in the
/// registry, so all fields are plain values.
package struct ClassificationReport: Sendable, Codable, Hashable {
    /// Where the rows came from: `holdout`, `outOfBag`, `test`, `validation`…
    package var dataset: String
    package var rows: Int
    package var positives: Int
    package var rocAUC: Double?
    /// PR AUC as average precision (scikit-learn's definition, see `Metrics.averagePrecision`).
    package var averagePrecision: Double?
    package var threshold: Double
    package var confusion: ConfusionMatrix
    package var accuracy: Double
    package var precision: Double
    package var recall: Double
    package var f1: Double
    /// ECE, Brier score and the reliability table of the scores read as probabilities; nil in
    /// reports written before calibration existed.
    package var reliability: Reliability?

    /// The report of `scores` against `labels` at `threshold`.
    package init(dataset: String, scores: [Double], labels: [Bool], threshold: Double) {
        self.dataset = dataset
        rows = labels.count
        positives = labels.lazy.filter { $0 }.count
        rocAUC = Metrics.rocAUC(scores: scores, labels: labels)
        averagePrecision = Metrics.averagePrecision(scores: scores, labels: labels)
        self.threshold = threshold
        confusion = ConfusionMatrix(scores: scores, labels: labels, threshold: threshold)
        accuracy = confusion.accuracy
        precision = confusion.precision
        recall = confusion.recall
        f1 = confusion.f1
        reliability = Reliability(probabilities: scores, labels: labels)
    }
}
