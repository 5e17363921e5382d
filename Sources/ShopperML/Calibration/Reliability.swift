/// How far predicted probabilities are from the rates they predict, on labelled rows.
///
/// - The reliability table: the rows in 10 equal-width bins of predicted probability ([0, 0.1),
///   [0.1, 0.2), …, [0.9, 1.0], 1.0 in the last), each with its count, mean prediction and observed
///   buying rate.
/// - ECE (expected calibration error): Σ over bins (count / rows) · |mean prediction − observed
///   rate|, the gap between the two averaged over rows. 0 for perfectly calibrated predictions;
///   its sampling noise alone is of order 0.01 on a few thousand rows.
/// - Brier score: the mean of (p − y)² with y 1 for a buyer, 0 otherwise; a proper scoring rule
///   (lower is better) that rewards both calibration and ranking. The base rate alone scores
///   r(1 − r), 0.131 for the bundled data.
package struct Reliability: Sendable, Codable, Hashable {
    package var ece: Double
    package var brier: Double
    /// The bins with at least one row, lowest first.
    package var bins: [ReliabilityBin]

    /// The bins `ece` is computed over.
    package static let binCount = 10

    /// Nil without rows; NaN probabilities are not allowed.
    package init?(probabilities: [Double], labels: [Bool]) {
        precondition(probabilities.count == labels.count, "probabilities and labels differ in length")
        guard !probabilities.isEmpty else { return nil }
        var count = [Int](repeating: 0, count: Self.binCount)
        var predicted = [Double](repeating: 0, count: Self.binCount)
        var buyers = [Int](repeating: 0, count: Self.binCount)
        var squares = 0.0
        for (p, y) in zip(probabilities, labels) {
            let bin = min(Self.binCount - 1, max(0, Int(p * Double(Self.binCount))))
            count[bin] += 1
            predicted[bin] += p
            if y { buyers[bin] += 1 }
            let error = p - (y ? 1 : 0)
            squares += error * error
        }
        let rows = Double(probabilities.count)
        brier = squares / rows
        bins = (0..<Self.binCount).filter { count[$0] > 0 }.map { b in
            ReliabilityBin(
                lower: Double(b) / Double(Self.binCount), upper: Double(b + 1) / Double(Self.binCount), count: count[b],
                meanPredicted: predicted[b] / Double(count[b]), observedRate: Double(buyers[b]) / Double(count[b]))
        }
        ece = bins.reduce(0) { $0 + Double($1.count) / rows * abs($1.meanPredicted - $1.observedRate) }
    }
}

/// One bin of a reliability table: predictions in [lower, upper) (the last bin includes 1).
package struct ReliabilityBin: Sendable, Codable, Hashable {
    package var lower: Double
    package var upper: Double
    package var count: Int
    package var meanPredicted: Double
    package var observedRate: Double
}
