@testable import ShopperML

/// A small data set with a known rule, made in code: a buyer when `signal + 0.5 · helper > 0.9`,
/// with 5 % of labels flipped; `noise` carries nothing and `code` is a small integer category
/// unrelated to the label.
enum Synthetic {
    static let names = ["signal", "helper", "noise", "code"]

    static func make(rows: Int, seed: UInt64) -> (data: FeatureMatrix, labels: [Bool]) {
        var rng = Xoshiro256(seed: seed)
        var columns = [[Double]](repeating: [], count: names.count)
        var labels: [Bool] = []
        for _ in 0..<rows {
            let signal = rng.unitInterval()
            let helper = rng.unitInterval()
            columns[0].append(signal)
            columns[1].append(helper)
            columns[2].append(rng.unitInterval())
            columns[3].append(Double(rng.below(5) + 1))
            var label = signal + 0.5 * helper > 0.9
            if rng.below(20) == 0 { label.toggle() }
            labels.append(label)
        }
        return (try! FeatureMatrix(featureNames: names, columns: columns), labels)
    }

    /// Bit patterns, so NaN compares equal to NaN.
    static func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }
}
