/// A seeded stratified split of row indices into train, validation and test parts.
///
/// Each class is shuffled on its own and cut in the requested proportions, so every part keeps
/// the data's share of buyers (within one row per class). Part sizes are exact: round(fraction · n)
/// rows, shared among the classes by largest remainder (ties to non-buyers). Indices come back
/// ascending.
package struct StratifiedSplit: Sendable, Hashable {
    package let train: [Int]
    package let validation: [Int]
    package let test: [Int]

    /// Splits `labels.indices` into round(validationFraction · n) validation rows, round(testFraction · n)
    /// test rows and the rest for training. Fractions are in [0, 1) and sum below 1.
    package init(labels: [Bool], validationFraction: Double, testFraction: Double, seed: UInt64) throws(ForestError) {
        guard validationFraction >= 0, testFraction >= 0, validationFraction + testFraction < 1 else {
            throw .invalidParameters(
                "split fractions must be ≥ 0 and leave rows to train on (validation \(validationFraction), test \(testFraction))")
        }
        let classes = [false, true].map { label in labels.indices.filter { labels[$0] == label } }
        let sizes = classes.map(\.count)
        let n = Double(labels.count)
        let testCounts = Self.apportion(Int((testFraction * n).rounded()), among: sizes)
        let validationCounts = Self.apportion(Int((validationFraction * n).rounded()), among: sizes)
        var train: [Int] = []
        var validation: [Int] = []
        var test: [Int] = []
        for (stream, var rows) in classes.enumerated() {
            var rng = Xoshiro256(seed: seed, stream: UInt64(stream))
            rng.shuffle(&rows)
            let testCount = min(testCounts[stream], rows.count)
            let validationCount = min(validationCounts[stream], rows.count - testCount)
            test += rows[0..<testCount]
            validation += rows[testCount..<(testCount + validationCount)]
            train += rows[(testCount + validationCount)...]
        }
        self.train = train.sorted()
        self.validation = validation.sorted()
        self.test = test.sorted()
    }

    /// Shares `total` among groups in proportion to `sizes`, by largest remainder (Hamilton):
    /// every share is within one of its exact quota and the shares sum to `total`.
    static func apportion(_ total: Int, among sizes: [Int]) -> [Int] {
        let all = sizes.reduce(0, +)
        guard all > 0 else { return sizes.map { _ in 0 } }
        let quotas = sizes.map { Double(total) * Double($0) / Double(all) }
        var shares = quotas.map { Int($0.rounded(.down)) }
        let order = quotas.indices.sorted { a, b in
            let ra = quotas[a] - Double(shares[a])
            let rb = quotas[b] - Double(shares[b])
            return ra != rb ? ra > rb : a < b
        }
        for k in 0..<(total - shares.reduce(0, +)) { shares[order[k % order.count]] += 1 }
        return shares
    }
}
