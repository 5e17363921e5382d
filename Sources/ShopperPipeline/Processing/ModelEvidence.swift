import Foundation
import ShopperCore
import ShopperML

/// What a model needs before it may serve: the one rule for a first champion and a challenger.
///
/// A model that serves flags sessions for people to act on, so it needs evidence, not just a fit:
/// 1. **Rows of each class to learn from**: at least `minClassRows` buyers and as many non-buyers
///    among the labelled rows it trains on (a first champion; a challenger trains on its champion's
///    rows plus the new ones, which had them).
/// 2. **A held-out set that can judge it**: at least `minHeldOutClassRows` buyers and non-buyers
///    among rows it never trained on (its holdout for a first champion, the held-out new rows for a
///    challenger), so ROC AUC and the promotion metric are defined, not decided by one row or by
///    floating-point noise. The report shows the ROC AUC's standard error (Hanley & McNeil), the
///    error bar of that judgement.
/// 3. **A threshold that discriminates**: the operating threshold (chosen out of bag for a target
///    recall at a confidence, see `ThresholdChoice`) must not flag every row, and the recall's lower
///    bound must reach the target. With P out-of-bag buyers the bound is at most P / (P + z²), so
///    below `ThresholdChoice.minimumPositives` buyers (11 for recall 0.8 at 95 %) no threshold can,
///    and the rule falls back to flagging everything: the degenerate model of the February sessions
///    (3 buyers, threshold 0, every next session a "buyer").
///
/// Defaults: 5 held-out rows of each class (ROC AUC standard error about 0.1 at AUC 0.85) and 25
/// training rows of each class (= 5 / 0.2, the trainer's holdout share, so a first champion that
/// passes rule 1 usually passes rule 2, and ≥ 11 buyers remain for the threshold).
package struct EvidenceRule: Sendable, Equatable {
    /// Buyers, and non-buyers, needed among the labelled rows a first champion trains on.
    package var minClassRows: Int = 25
    /// Buyers, and non-buyers, needed among the held-out rows a model is judged on.
    package var minHeldOutClassRows: Int = 5

    package init(minClassRows: Int = 25, minHeldOutClassRows: Int = 5) {
        self.minClassRows = minClassRows
        self.minHeldOutClassRows = minHeldOutClassRows
    }

    /// Rule 1 (and the row minimum): may a first champion be trained on these labelled rows?
    package func canTrain(rows: Int, buyers: Int, minRows: Int) -> EvidenceVerdict {
        var needs: [String] = []
        if rows < minRows { needs.append("≥ \(minRows) labelled rows (have \(rows))") }
        if buyers < minClassRows { needs.append("≥ \(minClassRows) buyers (have \(buyers))") }
        if rows - buyers < minClassRows { needs.append("≥ \(minClassRows) non-buyers (have \(rows - buyers))") }
        return EvidenceVerdict(labelledRows: rows, buyers: buyers, heldOut: nil, threshold: nil, needs: needs)
    }

    /// Rule 2 before training a challenger: can these held-out rows judge it?
    package func canJudge(heldOutRows rows: Int, buyers: Int, metric: PromotionMetric) -> EvidenceVerdict {
        let heldOut = EvidenceVerdict.HeldOut(rows: rows, buyers: buyers, metric: metric.rawValue, value: nil, standardError: nil)
        return EvidenceVerdict(labelledRows: nil, buyers: nil, heldOut: heldOut, threshold: nil, needs: heldOutNeeds(heldOut))
    }

    /// Rules 2 and 3 for a trained model: `heldOut` is the report it is judged on (nil: none),
    /// `outOfBag` the report at its threshold on the rows it trained on.
    package func mayServe(
        choice: ThresholdChoice?, outOfBag: ClassificationReport?, heldOut report: ClassificationReport?,
        metric: PromotionMetric = .rocAUC, labelledRows: Int? = nil, buyers: Int? = nil
    ) -> EvidenceVerdict {
        var needs: [String] = []
        var heldOut: EvidenceVerdict.HeldOut?
        if let report {
            let auc = report.rocAUC
            let measured = EvidenceVerdict.HeldOut(
                rows: report.rows, buyers: report.positives, metric: metric.rawValue, value: metric.value(of: report),
                standardError: auc.flatMap { Self.aucStandardError(auc: $0, positives: report.positives, negatives: report.rows - report.positives) })
            heldOut = measured
            needs += heldOutNeeds(measured)
        } else {
            needs.append("held-out rows to measure it on (none were held out)")
        }
        var threshold: EvidenceVerdict.Threshold?
        if let choice {
            let flagsAll = outOfBag.map { $0.confusion.trueNegatives + $0.confusion.falseNegatives == 0 } ?? false
            threshold = .init(
                value: choice.threshold, flagsEveryRow: flagsAll, recall: choice.recall, recallLowerBound: choice.recallLowerBound,
                targetRecall: choice.targetRecall, confidence: choice.confidence, outOfBagBuyers: choice.positives)
            if choice.recallLowerBound < choice.targetRecall {
                let least = ThresholdChoice.minimumPositives(forRecall: choice.targetRecall, confidence: choice.confidence)
                needs.append("a threshold whose recall lower bound reaches \(Self.format(choice.targetRecall)) (have "
                    + "\(Self.format(choice.recallLowerBound)) from \(choice.positives) out-of-bag buyers; ≥ \(least) buyers can)")
            } else if flagsAll || choice.threshold <= 0 {
                needs.append("a threshold that does not flag every row (threshold \(Self.format(choice.threshold)) does)")
            }
        } else {
            needs.append("an operating threshold (none was chosen)")
        }
        return EvidenceVerdict(labelledRows: labelledRows, buyers: buyers, heldOut: heldOut, threshold: threshold, needs: needs)
    }

    private func heldOutNeeds(_ heldOut: EvidenceVerdict.HeldOut) -> [String] {
        var needs: [String] = []
        let min = minHeldOutClassRows
        if heldOut.buyers < min { needs.append("≥ \(min) held-out buyers (have \(heldOut.buyers) of \(heldOut.rows) held-out rows)") }
        if heldOut.nonBuyers < min {
            needs.append("≥ \(min) held-out non-buyers (have \(heldOut.nonBuyers) of \(heldOut.rows) held-out rows)")
        }
        if needs.isEmpty, heldOut.value == nil, heldOut.standardError != nil {
            needs.append("a defined \(heldOut.metric) on the held-out rows")
        }
        return needs
    }

    /// Hanley & McNeil (1982): the standard error of a ROC AUC `a` measured on P positives and N
    /// negatives, √[(a(1−a) + (P−1)(Q₁−a²) + (N−1)(Q₂−a²)) / (P·N)], Q₁ = a/(2−a), Q₂ = 2a²/(1+a).
    package static func aucStandardError(auc a: Double, positives p: Int, negatives n: Int) -> Double? {
        guard p > 0, n > 0 else { return nil }
        let q1 = a / (2 - a)
        let q2 = 2 * a * a / (1 + a)
        let variance = (a * (1 - a) + Double(p - 1) * (q1 - a * a) + Double(n - 1) * (q2 - a * a)) / Double(p * n)
        return max(0, variance).squareRoot()
    }

    static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}

/// The rule's verdict with its numbers: in the batch report (`evidence`) and the registry's reason.
/// Undefined figures are null, never NaN.
package struct EvidenceVerdict: Sendable, Codable, Equatable {
    /// Whether the model may serve (or be trained, or judged, at the stage checked).
    package var sufficient: Bool
    package var labelledRows: Int?
    package var buyers: Int?
    package var nonBuyers: Int?
    package var heldOut: HeldOut?
    package var threshold: Threshold?
    /// What is missing, one line each (empty when sufficient).
    package var needs: [String]

    package init(labelledRows: Int?, buyers: Int?, heldOut: HeldOut?, threshold: Threshold?, needs: [String]) {
        self.sufficient = needs.isEmpty
        self.labelledRows = labelledRows
        self.buyers = buyers
        self.nonBuyers = labelledRows.flatMap { rows in buyers.map { rows - $0 } }
        self.heldOut = heldOut
        self.threshold = threshold
        self.needs = needs
    }

    /// The rows a model is judged on, and its figure there.
    package struct HeldOut: Sendable, Codable, Equatable {
        package var rows: Int
        package var buyers: Int
        package var nonBuyers: Int
        package var metric: String
        /// The metric on these rows; nil when undefined (a class is missing).
        @ExplicitNull package var value: Double?
        /// The ROC AUC's standard error (Hanley & McNeil); nil when undefined.
        @ExplicitNull package var standardError: Double?

        package init(rows: Int, buyers: Int, metric: String, value: Double?, standardError: Double?) {
            self.rows = rows
            self.buyers = buyers
            self.nonBuyers = rows - buyers
            self.metric = metric
            self.value = value
            self.standardError = standardError
        }

        enum CodingKeys: String, CodingKey {
            case rows, buyers, metric, value
            case nonBuyers = "non_buyers"
            case standardError = "roc_auc_standard_error"
        }
    }

    /// The operating threshold and what it promises.
    package struct Threshold: Sendable, Codable, Equatable {
        package var value: Double
        package var flagsEveryRow: Bool
        package var recall: Double
        package var recallLowerBound: Double
        package var targetRecall: Double
        package var confidence: Double
        package var outOfBagBuyers: Int

        enum CodingKeys: String, CodingKey {
            case value, recall, confidence
            case flagsEveryRow = "flags_every_row"
            case recallLowerBound = "recall_lower_bound"
            case targetRecall = "target_recall"
            case outOfBagBuyers = "out_of_bag_buyers"
        }
    }

    /// One line: the figures, then what is missing.
    package var summary: String {
        var parts: [String] = []
        if let labelledRows, let buyers { parts.append("\(labelledRows) labelled rows, \(buyers) buyers") }
        if let heldOut {
            var figure = "\(heldOut.rows) held-out rows (\(heldOut.buyers) buyers)"
            if let value = heldOut.value {
                figure += ": \(heldOut.metric) \(EvidenceRule.format(value))"
                if let se = heldOut.standardError, heldOut.metric == PromotionMetric.rocAUC.rawValue { figure += " ± \(EvidenceRule.format(se))" }
            }
            parts.append(figure)
        }
        if let threshold {
            parts.append("threshold \(EvidenceRule.format(threshold.value)) (recall lower bound \(EvidenceRule.format(threshold.recallLowerBound)), "
                + "target \(EvidenceRule.format(threshold.targetRecall)))")
        }
        let figures = parts.joined(separator: "; ")
        return needs.isEmpty ? figures : figures + (figures.isEmpty ? "" : "; ") + "need " + needs.joined(separator: ", ")
    }

    enum CodingKeys: String, CodingKey {
        case sufficient, buyers, threshold, needs
        case labelledRows = "labelled_rows"
        case nonBuyers = "non_buyers"
        case heldOut = "held_out"
    }
}
