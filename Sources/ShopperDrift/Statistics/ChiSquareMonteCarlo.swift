/// A Monte-Carlo p-value for the chi-square test of homogeneity, conditional on both margins
/// (as R's `chisq.test(simulate.p.value = TRUE)`): tables with the observed row and column
/// totals are drawn uniformly (the smaller row as a sample without replacement from the pooled
/// observations), and the p-value is `(1 + #{simulated ≥ observed}) / (B + 1)`.
///
/// Exact in distribution however sparse the categories are, at the price of B table draws and
/// a p-value resolution of 1/(B + 1). Seeded, so a batch always gets the same answer.
package enum ChiSquareMonteCarlo {
    package static func pValue(
        reference: [Int], current: [Int], replicates: Int, seed: UInt64
    ) throws(ChiSquareTestError) -> ChiSquareTestResult {
        let plain = try ChiSquareHomogeneityTest.test(reference: reference, current: current)
        if plain.degreesOfFreedom == 0 || replicates <= 0 { return plain }
        let totals = zip(reference, current).map { $0 + $1 }
        let referenceTotal = reference.reduce(0, +), currentTotal = current.reduce(0, +)
        let grandTotal = referenceTotal + currentTotal
        let sampledTotal = min(referenceTotal, currentTotal)
        let sampledRow = referenceTotal <= currentTotal ? reference : current

        let observed = statistic(row: sampledRow, rowTotal: sampledTotal, totals: totals, grandTotal: grandTotal)
        // R's tolerance: a simulated statistic within 64 ulps of the observed one counts as ≥.
        let threshold = observed * (1 - 64 * Double.ulpOfOne)
        var pool = [Int32]()
        pool.reserveCapacity(grandTotal)
        for (category, total) in totals.enumerated() {
            pool.append(contentsOf: repeatElement(Int32(category), count: total))
        }
        var generator = SeededGenerator(seed: seed)
        var counts = [Int](repeating: 0, count: totals.count)
        var atLeastAsExtreme = 0
        pool.withUnsafeMutableBufferPointer { items in
            for _ in 0..<replicates {
                for index in counts.indices { counts[index] = 0 }
                for i in 0..<sampledTotal {
                    let j = i + Int.random(in: 0..<(grandTotal - i), using: &generator)
                    items.swapAt(i, j)
                    counts[Int(items[i])] += 1
                }
                if statistic(row: counts, rowTotal: sampledTotal, totals: totals, grandTotal: grandTotal) >= threshold {
                    atLeastAsExtreme += 1
                }
            }
        }
        let p = Double(1 + atLeastAsExtreme) / Double(replicates + 1)
        return ChiSquareTestResult(statistic: plain.statistic, pValue: p, degreesOfFreedom: plain.degreesOfFreedom)
    }

    /// Pearson's statistic of the 2 × k table given one row: with `d_c = a_c − S·C_c/N`, both
    /// rows' deviations are ±d_c, so the statistic is `N²/(S(N − S)) · Σ d_c²/C_c`.
    static func statistic(row: [Int], rowTotal: Int, totals: [Int], grandTotal: Int) -> Double {
        let n = Double(grandTotal), s = Double(rowTotal)
        var sum = 0.0
        for (observed, total) in zip(row, totals) {
            let expected = s * Double(total) / n
            let deviation = Double(observed) - expected
            sum += deviation * deviation / Double(total)
        }
        return n * n / (s * (n - s)) * sum
    }
}
