/// Isotonic (non-decreasing) least-squares regression by pool-adjacent-violators.
///
/// Given values yᵢ with weights wᵢ > 0 in a fixed order, finds the non-decreasing sequence ŷ that
/// minimises Σ wᵢ (yᵢ − ŷᵢ)²: adjacent values that violate the order are pooled into one block whose
/// value is their weighted mean, until no block's value exceeds the next one's. The result is
/// unique; it is what scikit-learn's `isotonic_regression(y, sample_weight=w)` returns.
package enum PoolAdjacentViolators {
    /// One pooled block: the positions `range` of the input, their total weight and weighted mean.
    package struct Block: Sendable, Hashable {
        package var range: Range<Int>
        package var weight: Double
        package var value: Double
    }

    /// The blocks of the fit, in input order, their values strictly increasing. Equal neighbours
    /// are pooled too (the fit is the same), so every step of the result is a real rise.
    package static func blocks(values: [Double], weights: [Double]) -> [Block] {
        precondition(values.count == weights.count, "values and weights differ in length")
        precondition(weights.allSatisfy { $0 > 0 && $0.isFinite }, "weights must be positive")
        var stack: [Block] = []
        stack.reserveCapacity(values.count)
        for i in values.indices {
            var block = Block(range: i..<(i + 1), weight: weights[i], value: values[i])
            while let last = stack.last, last.value >= block.value {
                stack.removeLast()
                let weight = last.weight + block.weight
                // Weighted mean written as a correction of the lower block: exact for equal values.
                let value = last.value + (block.value - last.value) * (block.weight / weight)
                block = Block(range: last.range.lowerBound..<block.range.upperBound, weight: weight, value: value)
            }
            stack.append(block)
        }
        return stack
    }

    /// The fitted value of every position (scikit-learn's `isotonic_regression`).
    package static func fit(values: [Double], weights: [Double]? = nil) -> [Double] {
        let weights = weights ?? [Double](repeating: 1, count: values.count)
        var out = [Double](repeating: 0, count: values.count)
        for block in blocks(values: values, weights: weights) {
            for i in block.range { out[i] = block.value }
        }
        return out
    }
}
