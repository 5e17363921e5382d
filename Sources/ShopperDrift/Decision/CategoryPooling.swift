/// The pooling rule that makes the chi-square approximation trustworthy on sparse categories.
///
/// Browser and TrafficType have many codes seen a handful of times in 12,330 sessions. In a
/// 200-row batch their expected counts are far below 1, where Pearson's statistic has a much
/// heavier tail than χ², so an unchanged batch "drifts" about twice as often as α promises.
/// Cochran's classic remedy: every category whose smaller expected count (the one in the
/// smaller of the two samples) is below `minimumExpected` goes into one pooled cell; while that
/// cell is itself below the threshold, the least frequent remaining category joins it. The
/// choice depends only on the table's margins, so under the null the test stays a valid
/// conditional test.
package enum CategoryPooling {
    /// Groups of category indices, one group per cell of the pooled table: untouched
    /// categories as singletons (in input order), then the pooled cell (if any).
    package static func cells(reference: [Int], current: [Int], minimumExpected: Double) -> [[Int]] {
        let totals = zip(reference, current).map { $0 + $1 }
        let grandTotal = totals.reduce(0, +)
        guard grandTotal > 0 else { return totals.indices.map { [$0] } }
        let smallerRow = Double(min(reference.reduce(0, +), current.reduce(0, +)))
        func expected(_ index: Int) -> Double { smallerRow * Double(totals[index]) / Double(grandTotal) }

        var pooled = totals.indices.filter { expected($0) < minimumExpected }
        if pooled.isEmpty { return totals.indices.map { [$0] } }
        var kept = totals.indices.filter { expected($0) >= minimumExpected }
            .sorted { totals[$0] < totals[$1] || (totals[$0] == totals[$1] && $0 < $1) }
        var pooledExpected = pooled.reduce(0.0) { $0 + expected($1) }
        while pooledExpected < minimumExpected, !kept.isEmpty {
            let smallest = kept.removeFirst()
            pooled.append(smallest)
            pooledExpected += expected(smallest)
        }
        return kept.sorted().map { [$0] } + [pooled.sorted()]
    }
}
