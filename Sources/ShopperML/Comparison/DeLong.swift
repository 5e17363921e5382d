import Foundation

/// DeLong's test for two correlated ROC AUCs: models A and B scored the **same** rows, so their
/// AUCs are compared as a pair (DeLong, DeLong & Clarke-Pearson 1988), not as two numbers.
///
/// Each AUC is the mean of its structural components (placement values): for buyer i, the share of
/// non-buyers scored below it (ties count half); for non-buyer j, the share of buyers scored above
/// it. The AUCs' variances and covariance follow from the components' sample covariances,
/// `S = S₁₀ / m + S₀₁ / n` (m buyers, n non-buyers), and `(AUC_B − AUC_A) / √(S_AA + S_BB − 2 S_AB)`
/// is asymptotically standard normal. The components come from mid-ranks (Sun & Xu 2014, "fast
/// DeLong"): O(N log N) per model, not O(m·n). The figures agree with R's pROC
/// `roc.test(method = "delong", paired = TRUE)` to ~1e-12 (`delong_golden.json`).
package struct DeLongTest: Sendable, Equatable, Codable {
    package var rows: Int
    package var positives: Int
    /// ROC AUC of A and of B (scikit-learn's and pROC's definition: ties count half).
    package var aucA: Double
    package var aucB: Double
    package var varianceA: Double
    package var varianceB: Double
    package var covariance: Double

    /// `aucB − aucA`.
    package var difference: Double { aucB - aucA }
    /// Standard error of the difference (0 when the two models rank every row alike).
    package var standardError: Double { max(0, varianceA + varianceB - 2 * covariance).squareRoot() }
    /// Correlation of the two AUC estimates (nil when a variance is 0).
    package var correlation: Double? {
        varianceA > 0 && varianceB > 0 ? covariance / (varianceA * varianceB).squareRoot() : nil
    }

    /// `difference / standardError`: 0 when both are 0 (the same ranking), ±∞ when only the
    /// standard error is.
    package var z: Double {
        let se = standardError
        if se > 0 { return difference / se }
        return difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
    }

    /// Two-sided p-value of H₀: AUC_A = AUC_B.
    package var pValue: Double { min(1, 2 * NormalDistribution.survival(abs(z))) }

    /// One-sided p-value of H₀: `aucB − aucA ≥ −margin` against "B is worse by more than
    /// `margin`": small when B is significantly worse.
    package func pValueWorse(margin: Double = 0) -> Double {
        let se = standardError
        let shifted = difference + margin
        if se > 0 { return NormalDistribution.cdf(shifted / se) }
        return shifted < 0 ? 0 : 1
    }

    /// Two-sided `level` confidence interval for `aucB − aucA` (pROC's `conf.int`).
    package func confidenceInterval(level: Double = 0.95) -> ClosedRange<Double> {
        let half = NormalDistribution.quantile(0.5 + level / 2) * standardError
        return (difference - half)...(difference + half)
    }

    /// Compares A's and B's scores of the same rows. Nil when a class is absent (no ROC curve).
    package init?(labels: [Bool], scoresA: [Double], scoresB: [Double]) {
        precondition(labels.count == scoresA.count && labels.count == scoresB.count, "labels and scores differ in length")
        let positiveRows = labels.indices.filter { labels[$0] }
        let negativeRows = labels.indices.filter { !labels[$0] }
        let m = positiveRows.count, n = negativeRows.count
        guard m > 0, n > 0 else { return nil }
        let a = Self.components(positiveRows.map { scoresA[$0] }, negativeRows.map { scoresA[$0] })
        let b = Self.components(positiveRows.map { scoresB[$0] }, negativeRows.map { scoresB[$0] })
        rows = labels.count
        positives = m
        aucA = a.auc
        aucB = b.auc
        varianceA = Self.covariance(a.positive, a.positive) / Double(m) + Self.covariance(a.negative, a.negative) / Double(n)
        varianceB = Self.covariance(b.positive, b.positive) / Double(m) + Self.covariance(b.negative, b.negative) / Double(n)
        covariance = Self.covariance(a.positive, b.positive) / Double(m) + Self.covariance(a.negative, b.negative) / Double(n)
    }

    /// The structural components of one model (Sun & Xu 2014, algorithm 2): with `tz` the
    /// mid-ranks among all rows, `tx` among buyers, `ty` among non-buyers, buyer i's component is
    /// `(tz_i − tx_i) / n` and non-buyer j's is `1 − (tz_j − ty_j) / m`.
    static func components(_ positive: [Double], _ negative: [Double]) -> (auc: Double, positive: [Double], negative: [Double]) {
        let m = positive.count, n = negative.count
        let tx = midranks(positive), ty = midranks(negative), tz = midranks(positive + negative)
        let v10 = (0..<m).map { (tz[$0] - tx[$0]) / Double(n) }
        let v01 = (0..<n).map { 1 - (tz[m + $0] - ty[$0]) / Double(m) }
        let auc = v10.reduce(0, +) / Double(m)
        return (auc, v10, v01)
    }

    /// 1-based ranks of `values`, tied values sharing the mean of their ranks. O(N log N).
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        return ranks
    }

    /// Sample covariance (n − 1 in the denominator, as DeLong and pROC use); 0 for one value.
    static func covariance(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sum = 0.0
        for (u, v) in zip(x, y) { sum += (u - mx) * (v - my) }
        return sum / Double(x.count - 1)
    }
}
