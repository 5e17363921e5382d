/// Grows one classification tree on binned data: bootstrap, Gini split search over byte
/// histograms, depth-first growth into flat arrays.
///
/// One builder per worker task; its scratch buffers are reused tree after tree. Everything random
/// comes from the tree's own generator (seed, tree index), so the tree does not depend on which
/// worker builds it or on what that worker built before.
///
/// Histograms count integers, not weights: a row's weight is its bootstrap multiplicity times its
/// class's weight, so a bin needs only the multiplicities of its non-buyers and buyers and its
/// number of rows. The three counts are packed in one 64-bit word (21 bits each), so filling a
/// histogram is one integer add per row, sums are exact (a child without buyers has exactly none,
/// and right = parent − left loses nothing), and two interleaved copies of the histogram keep
/// runs of rows falling in the same bin (PageValues = 0 is 78 % of rows) from waiting on each other.
struct TreeBuilder {
    /// What one tree's fit produces besides the tree itself.
    struct Fit: Sendable {
        let tree: DecisionTree
        /// Weighted Gini decrease per feature, summed over the tree's splits (not normalised).
        let impurityDecrease: [Double]
        /// The rows left out of this tree's bootstrap sample, and the tree's probability for each.
        let outOfBagRows: [Int32]
        let outOfBagValues: [Double]
    }

    /// The most rows a fit can take: each packed count has 21 bits.
    static let maxRows = (1 << 21) - 1

    /// Packed counts: non-buyer multiplicity (bits 0–20), buyer multiplicity (21–41), rows (42–62).
    private struct Counts {
        var bits: UInt64

        static let mask: UInt64 = (1 << 21) - 1
        var negative: Int { Int(bits & Counts.mask) }
        var positive: Int { Int((bits >> 21) & Counts.mask) }
        var rows: Int { Int(bits >> 42) }

        init(bits: UInt64) { self.bits = bits }
        init(multiplicity: Int, positive: Bool) {
            bits = (UInt64(multiplicity) << (positive ? 21 : 0)) | (1 << 42)
        }
    }

    /// One in-bag row and its packed contribution to a histogram bin.
    private struct Sample {
        var row: Int32
        var counts: UInt64
    }

    /// A node waiting to be split or turned into a leaf.
    private struct Pending {
        var node: Int
        var start: Int
        var end: Int
        var depth: Int
        var counts: Counts
    }

    /// Copies of the histogram filled in turn (row i goes to copy i mod `copies`).
    private static let copies = 2

    private let bins: FeatureBins
    private let positive: [Bool]
    private let negativeWeight: Double
    private let positiveWeight: Double
    private let featuresPerNode: Int
    private let maxDepth: Int
    private let minSamplesLeaf: Int
    private let bootstrap: Bool

    private var samples: [Sample] = []
    private var scratch: [Sample] = []
    private var multiplicity: [Int32]
    private var histogram = [UInt64](repeating: 0, count: 256 * TreeBuilder.copies)
    private var featureOrder: [Int]

    init(bins: FeatureBins, labels: [Bool], parameters: ForestParameters, classWeight: (negative: Double, positive: Double)) {
        precondition(bins.rowCount <= TreeBuilder.maxRows, "RandomForest.fit checks the row count")
        self.bins = bins
        positive = labels
        negativeWeight = classWeight.negative
        positiveWeight = classWeight.positive
        featuresPerNode = parameters.maxFeatures.resolve(featureCount: bins.featureCount)
        maxDepth = parameters.maxDepth ?? Int.max
        minSamplesLeaf = parameters.minSamplesLeaf
        bootstrap = parameters.bootstrap
        multiplicity = Array(repeating: 0, count: bins.rowCount)
        featureOrder = Array(0..<bins.featureCount)
        samples.reserveCapacity(bins.rowCount)
    }

    /// The weights of packed counts: total and buyers'.
    @inline(__always)
    private func weights(_ c: Counts) -> (total: Double, positive: Double) {
        let p = Double(c.positive) * positiveWeight
        return (Double(c.negative) * negativeWeight + p, p)
    }

    /// Σ w_class² / w over both classes: the Gini "proxy" whose increase is the weighted impurity
    /// decrease (w · gini = w − Σ w_class² / w).
    @inline(__always)
    private func purity(negative: Int, positive: Int) -> Double {
        Self.purity(negative: negative, positive: positive, weights: (negativeWeight, positiveWeight))
    }

    @inline(__always)
    private static func purity(negative: Int, positive: Int, weights: (negative: Double, positive: Double)) -> Double {
        let n = Double(negative) * weights.negative
        let p = Double(positive) * weights.positive
        let w = n + p
        return w > 0 ? (n * n + p * p) / w : 0
    }

    /// Grows tree `index` of a forest seeded `seed`.
    mutating func fit(treeIndex index: Int, seed: UInt64) -> Fit {
        var rng = Xoshiro256(seed: seed, stream: UInt64(index))
        let n = bins.rowCount
        for i in 0..<n { multiplicity[i] = bootstrap ? 0 : 1 }
        if bootstrap {
            for _ in 0..<n { multiplicity[rng.below(n)] += 1 }
        }
        for i in 0..<bins.featureCount { featureOrder[i] = i }
        samples.removeAll(keepingCapacity: true)
        var root = Counts(bits: 0)
        for i in 0..<n where multiplicity[i] > 0 {
            let counts = Counts(multiplicity: Int(multiplicity[i]), positive: positive[i])
            samples.append(Sample(row: Int32(i), counts: counts.bits))
            root.bits += counts.bits
        }

        var feature: [Int32] = [-1]
        var threshold: [Double] = [0]
        var binThreshold: [Int] = [0]
        var left: [Int32] = [-1]
        var right: [Int32] = [-1]
        var value: [Double] = [0]
        var decrease = [Double](repeating: 0, count: bins.featureCount)

        var stack = [Pending(node: 0, start: 0, end: samples.count, depth: 0, counts: root)]
        while let task = stack.popLast() {
            let w = weights(task.counts)
            value[task.node] = w.total > 0 ? min(1, max(0, w.positive / w.total)) : 0
            let count = task.end - task.start
            let pure = task.counts.positive == 0 || task.counts.negative == 0
            if pure || task.depth >= maxDepth || count < 2 * minSamplesLeaf { continue }
            guard let split = bestSplit(task, rng: &rng) else { continue }

            let middle = partition(task, feature: split.feature, bin: split.bin)
            let l = feature.count
            feature[task.node] = Int32(split.feature)
            threshold[task.node] = bins.upperBounds[split.feature][split.bin]
            binThreshold[task.node] = split.bin
            left[task.node] = Int32(l)
            right[task.node] = Int32(l + 1)
            decrease[split.feature] += split.gain
            feature.append(contentsOf: [-1, -1])
            threshold.append(contentsOf: [0, 0])
            binThreshold.append(contentsOf: [0, 0])
            left.append(contentsOf: [-1, -1])
            right.append(contentsOf: [-1, -1])
            value.append(contentsOf: [0, 0])
            let rightCounts = Counts(bits: task.counts.bits - split.left.bits)
            stack.append(Pending(node: l + 1, start: middle, end: task.end, depth: task.depth + 1, counts: rightCounts))
            stack.append(Pending(node: l, start: task.start, end: middle, depth: task.depth + 1, counts: split.left))
        }

        // Out-of-bag rows, scored on their bins (identical to the raw thresholds by construction).
        var oobRows: [Int32] = []
        var oobValues: [Double] = []
        if bootstrap {
            // Children are adjacent (right = left + 1), so a step is an add, not a branch.
            bins.codes.withUnsafeBufferPointer { codes in
                feature.withUnsafeBufferPointer { feature in
                    binThreshold.withUnsafeBufferPointer { binThreshold in
                        left.withUnsafeBufferPointer { left in
                            for i in 0..<n where multiplicity[i] == 0 {
                                var node = 0
                                while feature[node] >= 0 {
                                    let code = Int(codes[Int(feature[node]) * n + i])
                                    node = Int(left[node]) + (code <= binThreshold[node] ? 0 : 1)
                                }
                                oobRows.append(Int32(i))
                                oobValues.append(value[node])
                            }
                        }
                    }
                }
            }
        }
        let tree = DecisionTree(unchecked: feature, threshold: threshold, left: left, right: right, value: value)
        return Fit(tree: tree, impurityDecrease: decrease, outOfBagRows: oobRows, outOfBagValues: oobValues)
    }

    private struct Split {
        var feature: Int
        var bin: Int
        var gain: Double
        var left: Counts
    }

    /// The best Gini split of the node over a random subset of features, or nil if none separates
    /// it with at least `minSamplesLeaf` rows each side and a positive impurity decrease.
    ///
    /// Features are drawn without replacement until `featuresPerNode` of them are non-constant in
    /// the node (constant ones are skipped without counting, as scikit-learn does).
    private mutating func bestSplit(_ node: Pending, rng: inout Xoshiro256) -> Split? {
        let p = bins.featureCount
        let n = bins.rowCount
        let copies = TreeBuilder.copies
        let parentScore = purity(negative: node.counts.negative, positive: node.counts.positive)
        let totalNegative = node.counts.negative
        let totalPositive = node.counts.positive
        let totalRows = node.counts.rows
        let minLeaf = minSamplesLeaf
        let classWeights = (negative: negativeWeight, positive: positiveWeight)
        var best: Split? = nil
        var bestScore = parentScore
        var drawn = 0
        var visited = 0
        while drawn < p && visited < featuresPerNode {
            let j = drawn + rng.below(p - drawn)
            featureOrder.swapAt(drawn, j)
            let f = featureOrder[drawn]
            drawn += 1

            var lowest = 255
            var highest = 0
            samples.withUnsafeBufferPointer { samples in
                bins.codes.withUnsafeBufferPointer { codes in
                    histogram.withUnsafeMutableBufferPointer { hist in
                        let column = codes.baseAddress! + f * n
                        var s = node.start
                        // Rows in turn into the copies: independent read-modify-writes.
                        while s + copies <= node.end {
                            for k in 0..<copies {
                                let sample = samples[s + k]
                                let b = Int(column[Int(sample.row)])
                                hist[k * 256 + b] &+= sample.counts
                                lowest = min(lowest, b)
                                highest = max(highest, b)
                            }
                            s += copies
                        }
                        while s < node.end {
                            let sample = samples[s]
                            let b = Int(column[Int(sample.row)])
                            hist[b] &+= sample.counts
                            lowest = min(lowest, b)
                            highest = max(highest, b)
                            s += 1
                        }
                    }
                }
            }
            if lowest == highest {
                for k in 0..<copies { histogram[k * 256 + lowest] = 0 }
                continue
            }
            visited += 1

            histogram.withUnsafeMutableBufferPointer { hist in
                // Merge the copies into copy 0 over the occupied range.
                for b in lowest...highest {
                    var sum: UInt64 = 0
                    for k in 0..<copies {
                        sum &+= hist[k * 256 + b]
                        hist[k * 256 + b] = 0
                    }
                    hist[b] = sum
                }
                var left = Counts(bits: 0)
                var chosen = -1
                var chosenLeft = Counts(bits: 0)
                for b in lowest..<highest {
                    let h = hist[b]
                    if h == 0 { continue }
                    left.bits &+= h
                    let leftRows = left.rows
                    if leftRows < minLeaf { continue }
                    if totalRows - leftRows < minLeaf { break }
                    let score = Self.purity(negative: left.negative, positive: left.positive, weights: classWeights)
                        + Self.purity(
                            negative: totalNegative - left.negative, positive: totalPositive - left.positive, weights: classWeights)
                    if score > bestScore {
                        bestScore = score
                        chosen = b
                        chosenLeft = left
                    }
                }
                if chosen >= 0 {
                    // Any boundary between the last bin used on the left and the next bin used on the
                    // right splits this node the same way; take the middle one, as scikit-learn takes
                    // the midpoint between the two values.
                    var next = chosen + 1
                    while hist[next] == 0 { next += 1 }
                    best = Split(feature: f, bin: (chosen + next - 1) / 2, gain: 0, left: chosenLeft)
                }
                for b in lowest...highest { hist[b] = 0 }
            }
        }
        guard var split = best else { return nil }
        split.gain = bestScore - parentScore
        // Guard against splits that only move rounding error around.
        return split.gain > 1e-12 * weights(node.counts).total ? split : nil
    }

    /// Moves the node's samples with `bin(feature) ≤ bin` to the front, keeping their order (left
    /// and right rows are written to two places without a branch on the side, which a split's
    /// unpredictable directions would otherwise cost); returns where the right ones start.
    private mutating func partition(_ node: Pending, feature f: Int, bin: Int) -> Int {
        let n = bins.rowCount
        let count = node.end - node.start
        if scratch.count < count { scratch = Array(repeating: Sample(row: 0, counts: 0), count: samples.count) }
        return samples.withUnsafeMutableBufferPointer { samples in
            scratch.withUnsafeMutableBufferPointer { right in
                bins.codes.withUnsafeBufferPointer { codes in
                    let column = codes.baseAddress! + f * n
                    var l = node.start
                    var r = 0
                    for i in node.start..<node.end {
                        let sample = samples[i]
                        let goesLeft = Int(column[Int(sample.row)]) <= bin
                        samples[l] = sample
                        right[r] = sample
                        l += goesLeft ? 1 : 0
                        r += goesLeft ? 0 : 1
                    }
                    for k in 0..<r { samples[l + k] = right[k] }
                    return l
                }
            }
        }
    }
}
