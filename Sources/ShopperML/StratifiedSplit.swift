/// A seeded stratified split of row indices into train, validation and test parts.
///
/// Each class is shuffled on its own and cut in the requested proportions, so every part keeps
/// the data's share of buyers (within one row per class). Indices come back ascending.
public struct StratifiedSplit: Sendable, Hashable {
    public let train: [Int]
    public let validation: [Int]
    public let test: [Int]

    /// Splits `labels.indices`: ⌊fraction · n_class⌉ rows of each class go to validation and to test,
    /// the rest to train. Fractions are in [0, 1) and sum below 1.
    public init(labels: [Bool], validationFraction: Double, testFraction: Double, seed: UInt64) throws(ForestError) {
        guard validationFraction >= 0, testFraction >= 0, validationFraction + testFraction < 1 else {
            throw .invalidParameters(
                "split fractions must be ≥ 0 and leave rows to train on (validation \(validationFraction), test \(testFraction))")
        }
        var train: [Int] = []
        var validation: [Int] = []
        var test: [Int] = []
        for (stream, label) in [false, true].enumerated() {
            var rows = labels.indices.filter { labels[$0] == label }
            var rng = Xoshiro256(seed: seed, stream: UInt64(stream))
            rng.shuffle(&rows)
            let testCount = Int((testFraction * Double(rows.count)).rounded())
            let validationCount = Int((validationFraction * Double(rows.count)).rounded())
            test += rows[0..<testCount]
            validation += rows[testCount..<(testCount + validationCount)]
            train += rows[(testCount + validationCount)...]
        }
        self.train = train.sorted()
        self.validation = validation.sorted()
        self.test = test.sorted()
    }
}
