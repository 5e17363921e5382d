import Foundation
import ShopperML

/// How a challenger is judged against the champion on held-out rows both scored: a paired test,
/// not a comparison of two numbers.
///
/// **The rule: the challenger is promoted unless it is significantly worse.** H₀: challenger −
/// champion ≥ −margin; the challenger is kept out when a one-sided test rejects H₀ at `alpha`
/// (equivalently: when the upper bound of the two-sided (1 − 2α) interval of the difference lies
/// below −margin). ROC AUC is tested with DeLong's test for correlated AUCs; the other metrics with
/// a paired, class-stratified bootstrap (`PairedBootstrap`, seeded with the training seed).
///
/// Why this direction: a trial runs after drift (or a realised-performance drop) said the
/// champion's data is stale, and the challenger trains on the champion's own window **plus** the
/// new rows, so a priori it is at least as good and closer to what is coming; the held-out rows
/// (often a few dozen buyers) can rarely prove a difference of 0.01–0.02 either way. Demanding
/// proof that it is better would keep a stale champion almost every time; a point comparison lets
/// noise decide (the demo's v4 → v5 swap on 37 buyers). What the test guards against is a
/// challenger that is clearly worse (a broken window, a degenerate fit). The price, shown in
/// docs/rollout.md's simulation: at small held-out sets a challenger truly worse by 0.02 is often
/// promoted, because 100 rows cannot show it.
///
/// `margin` is the old `retrain.tolerance` (default 0): the shortfall accepted before "worse"
/// counts. With identical rankings (standard error 0) the rule falls back to the point comparison
/// `challenger ≥ champion − margin`.
package struct PromotionRule: Sendable, Equatable {
    /// One-sided level of the "significantly worse" test.
    package var alpha: Double = 0.05
    /// Shortfall of the challenger accepted before it counts as worse (≥ 0 in configuration).
    package var margin: Double = 0
    /// Bootstrap draws for metrics other than ROC AUC.
    package var bootstrapDraws: Int = 2_000

    package init(alpha: Double = 0.05, margin: Double = 0, bootstrapDraws: Int = 2_000) {
        self.alpha = alpha
        self.margin = margin
        self.bootstrapDraws = bootstrapDraws
    }

    /// The rule in one line, for reports, the journal and the alias history.
    package var description: String {
        "promoted unless significantly worse (one-sided p < \(Self.format(alpha)), margin \(Self.format(margin)))"
    }

    /// Judges the challenger's scores against the champion's on the same held-out rows. Nil when the
    /// metric is undefined on them (a class missing: it decides nothing).
    package func judge(
        metric: PromotionMetric, labels: [Bool], champion: [Double], championThreshold: Double,
        challenger: [Double], challengerThreshold: Double, seed: UInt64
    ) -> PairedComparison? {
        let level = 1 - 2 * alpha
        switch metric {
        case .rocAUC:
            guard let test = DeLongTest(labels: labels, scoresA: champion, scoresB: challenger) else { return nil }
            return comparison(
                metric: metric, test: "delong", champion: test.aucA, challenger: test.aucB, standardError: test.standardError,
                interval: test.confidenceInterval(level: level), level: level, pValueWorse: test.pValueWorse(margin: margin),
                pValueTwoSided: test.pValue)
        case .averagePrecision, .recall, .f1:
            let bootstrap = PairedBootstrap(draws: bootstrapDraws, seed: seed)
            guard let result = bootstrap.compare(
                labels: labels, scoresA: champion, scoresB: challenger,
                statisticA: Self.statistic(metric, threshold: championThreshold),
                statisticB: Self.statistic(metric, threshold: challengerThreshold)) else { return nil }
            let worse = result.pValueWorse(margin: margin)
            return comparison(
                metric: metric, test: "paired-bootstrap", champion: result.valueA, challenger: result.valueB,
                standardError: result.standardError, interval: result.confidenceInterval(level: level), level: level,
                pValueWorse: worse, pValueTwoSided: result.pValueTwoSided)
        }
    }

    private func comparison(
        metric: PromotionMetric, test: String, champion: Double, challenger: Double, standardError: Double,
        interval: ClosedRange<Double>, level: Double, pValueWorse: Double, pValueTwoSided: Double
    ) -> PairedComparison {
        // With no spread at all the test degenerates to the point comparison.
        let worse = standardError > 0 ? pValueWorse < alpha : challenger < champion - margin
        return PairedComparison(
            metric: metric, test: test, champion: champion, challenger: challenger, difference: challenger - champion,
            standardError: standardError, confidence: level, intervalLow: interval.lowerBound, intervalHigh: interval.upperBound,
            pValueWorse: pValueWorse, pValueTwoSided: pValueTwoSided, alpha: alpha, margin: margin,
            passed: !worse, rule: description)
    }

    /// The metric of one model's scores at its own threshold.
    static func statistic(_ metric: PromotionMetric, threshold: Double) -> PairedBootstrap.Statistic {
        { scores, labels in
            switch metric {
            case .rocAUC: Metrics.rocAUC(scores: scores, labels: labels)
            case .averagePrecision: Metrics.averagePrecision(scores: scores, labels: labels)
            case .recall: ConfusionMatrix(scores: scores, labels: labels, threshold: threshold).recall
            case .f1: ConfusionMatrix(scores: scores, labels: labels, threshold: threshold).f1
            }
        }
    }

    static func format(_ value: Double) -> String {
        String(format: "%g", value)
    }
}

/// Champion against challenger on the same held-out rows: the paired test behind a promotion.
package struct PairedComparison: Sendable, Codable, Equatable {
    package var metric: PromotionMetric
    /// `delong` (ROC AUC) or `paired-bootstrap`.
    package var test: String
    package var champion: Double
    package var challenger: Double
    /// `challenger − champion`.
    package var difference: Double
    package var standardError: Double
    /// Level of the two-sided interval: 1 − 2α, so its upper bound is the one-sided test's bound.
    package var confidence: Double
    package var intervalLow: Double
    package var intervalHigh: Double
    /// One-sided p-value that the challenger is worse by more than `margin`.
    package var pValueWorse: Double
    /// Two-sided p-value of "no difference" (for information; the rule is one-sided).
    package var pValueTwoSided: Double
    package var alpha: Double
    package var margin: Double
    /// The paired rule's verdict alone: not significantly worse. The evidence rule may still keep
    /// the challenger out (a threshold that flags every row): `ChallengerEvaluation.promoted` is
    /// the decision.
    package var passed: Bool
    package var rule: String

    /// One line: figures, difference, interval, p-value, rule.
    package var summary: String {
        let f = { (v: Double) in String(format: "%.4f", v) }
        let signed = { (v: Double) in (v >= 0 ? "+" : "") + String(format: "%.4f", v) }
        let level = String(format: "%g", (confidence * 100).rounded())
        return "challenger \(f(challenger)) vs champion \(f(champion)), difference \(signed(difference)) "
            + "(\(level) % CI \(signed(intervalLow)) … \(signed(intervalHigh)), \(test) one-sided p = "
            + String(format: "%.3g", pValueWorse) + " that it is worse); rule: \(rule)"
    }

    enum CodingKeys: String, CodingKey {
        case metric, test, champion, challenger, difference, confidence, alpha, margin, passed, rule
        case standardError = "standard_error"
        case intervalLow = "interval_low"
        case intervalHigh = "interval_high"
        case pValueWorse = "p_value_worse"
        case pValueTwoSided = "p_value_two_sided"
    }
}
