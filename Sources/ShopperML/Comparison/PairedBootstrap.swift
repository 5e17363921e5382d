/// A paired, stratified bootstrap of the difference between two models' figures on the same rows:
/// for metrics without a closed-form paired variance (average precision, recall and F1 at each
/// model's own threshold), where `DeLongTest` covers ROC AUC.
///
/// Each draw resamples the rows with replacement **within each class** (the draw keeps the held-out
/// buyer count, so no draw lacks a class and average precision stays defined) and computes both
/// models' figures on the **same** resampled rows: the pairing is what makes the interval narrow
/// when both models err on the same rows. The generator is `Xoshiro256` seeded from `seed`: the
/// same rows, scores and seed give the same interval on every machine.
package struct PairedBootstrap: Sendable {
    /// A model's figure of its scores against the labels; nil when undefined.
    package typealias Statistic = @Sendable (_ scores: [Double], _ labels: [Bool]) -> Double?

    package var draws: Int
    package var seed: UInt64

    package init(draws: Int = 2_000, seed: UInt64 = 42) {
        precondition(draws >= 1, "a bootstrap needs at least one draw")
        self.draws = draws
        self.seed = seed
    }

    /// The outcome: the observed difference `B − A` and the draws' differences, sorted.
    package struct Result: Sendable, Equatable {
        package var valueA: Double
        package var valueB: Double
        /// Sorted differences `B − A` of the draws where both figures were defined.
        package var differences: [Double]

        package var difference: Double { valueB - valueA }

        /// Standard deviation of the draws' differences: the difference's standard error.
        package var standardError: Double {
            guard differences.count > 1 else { return 0 }
            let mean = differences.reduce(0, +) / Double(differences.count)
            let sum = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return (sum / Double(differences.count - 1)).squareRoot()
        }

        /// Two-sided percentile interval at `level`.
        package func confidenceInterval(level: Double = 0.95) -> ClosedRange<Double> {
            percentile((1 - level) / 2)...percentile((1 + level) / 2)
        }

        /// One-sided p-value of H₀: `B − A ≥ −margin` against "B is worse by more than `margin`":
        /// the share of draws at or above `−margin`, counted as in Davison & Hinkley (1 + k)/(1 + B)
        /// so it is never 0.
        package func pValueWorse(margin: Double = 0) -> Double {
            let atOrAbove = differences.count - lowerBound(-margin)
            return Double(1 + atOrAbove) / Double(1 + differences.count)
        }

        /// Two-sided p-value of "no difference": twice the smaller tail of the draws around 0, each
        /// counted as (1 + k)/(1 + B); at most 1.
        package var pValueTwoSided: Double {
            let above = differences.lazy.filter { $0 >= 0 }.count, below = differences.lazy.filter { $0 <= 0 }.count
            return min(1, 2 * Double(1 + min(above, below)) / Double(1 + differences.count))
        }

        /// The `q` quantile of the draws (type 7, R's default: linear between order statistics).
        package func percentile(_ q: Double) -> Double {
            guard !differences.isEmpty else { return difference }
            let h = Double(differences.count - 1) * min(1, max(0, q))
            let low = Int(h.rounded(.down)), high = min(low + 1, differences.count - 1)
            return differences[low] + (h - Double(low)) * (differences[high] - differences[low])
        }

        /// The number of draws below `value`.
        private func lowerBound(_ value: Double) -> Int {
            var low = 0, high = differences.count
            while low < high {
                let mid = (low + high) / 2
                if differences[mid] < value { low = mid + 1 } else { high = mid }
            }
            return low
        }
    }

    /// Bootstraps `statisticB(scoresB) − statisticA(scoresA)` over the rows. Nil when the observed
    /// figures are undefined.
    package func compare(
        labels: [Bool], scoresA: [Double], scoresB: [Double], statisticA: Statistic, statisticB: Statistic
    ) -> Result? {
        precondition(labels.count == scoresA.count && labels.count == scoresB.count, "labels and scores differ in length")
        guard let valueA = statisticA(scoresA, labels), let valueB = statisticB(scoresB, labels) else { return nil }
        let strata = [labels.indices.filter { labels[$0] }, labels.indices.filter { !labels[$0] }].filter { !$0.isEmpty }
        var generator = Xoshiro256(seed: seed, stream: 0xB007)
        var differences: [Double] = []
        differences.reserveCapacity(draws)
        var rows = [Int](repeating: 0, count: labels.count)
        var drawnLabels = [Bool](repeating: false, count: labels.count)
        var drawnA = [Double](repeating: 0, count: labels.count)
        var drawnB = [Double](repeating: 0, count: labels.count)
        for _ in 0..<draws {
            var k = 0
            for stratum in strata {
                for _ in stratum.indices {
                    rows[k] = stratum[generator.below(stratum.count)]
                    k += 1
                }
            }
            for (k, row) in rows.enumerated() {
                drawnLabels[k] = labels[row]
                drawnA[k] = scoresA[row]
                drawnB[k] = scoresB[row]
            }
            if let a = statisticA(drawnA, drawnLabels), let b = statisticB(drawnB, drawnLabels) {
                differences.append(b - a)
            }
        }
        return Result(valueA: valueA, valueB: valueB, differences: differences.sorted())
    }
}
