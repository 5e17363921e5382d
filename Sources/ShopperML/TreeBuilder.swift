/// Grows one classification tree on binned data: bootstrap, Gini split search over byte
/// histograms, depth-first growth into flat arrays.
///
/// One builder per worker task; its scratch buffers are reused tree after tree. Everything random
/// comes from the tree's own generator (seed, tree index), so the tree does not depend on which
/// worker builds it or on what that worker built before.
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

    /// One in-bag row: its index, whether it is a buyer, and its weight (bootstrap multiplicity ×
    /// class weight). Kept together so the split search and the partition read memory in order.
    private struct Sample {
        var row: Int32
        var positive: Double
        var weight: Double
    }

    /// Per-bin sums for one feature at one node.
    private struct Bin {
        var weight: Double = 0
        var positiveWeight: Double = 0
        var count: Int32 = 0
    }

    /// A node waiting to be split or turned into a leaf.
    private struct Pending {
        var node: Int
        var start: Int
        var end: Int
        var depth: Int
        var weight: Double
        var positiveWeight: Double
    }

    private let bins: FeatureBins
    private let positive: [Bool]
    private let classWeight: (negative: Double, positive: Double)
    private let featuresPerNode: Int
    private let maxDepth: Int
    private let minSamplesLeaf: Int
    private let bootstrap: Bool

    private var samples: [Sample] = []
    private var multiplicity: [Int32]
    private var histogram: [Bin] = Array(repeating: Bin(), count: 256)
    private var featureOrder: [Int]

    init(bins: FeatureBins, labels: [Bool], parameters: ForestParameters, classWeight: (negative: Double, positive: Double)) {
        self.bins = bins
        positive = labels
        self.classWeight = classWeight
        featuresPerNode = parameters.maxFeatures.resolve(featureCount: bins.featureCount)
        maxDepth = parameters.maxDepth ?? Int.max
        minSamplesLeaf = parameters.minSamplesLeaf
        bootstrap = parameters.bootstrap
        multiplicity = Array(repeating: 0, count: bins.rowCount)
        featureOrder = Array(0..<bins.featureCount)
        samples.reserveCapacity(bins.rowCount)
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
        var rootWeight = 0.0
        var rootPositive = 0.0
        for i in 0..<n where multiplicity[i] > 0 {
            let y = positive[i]
            let w = Double(multiplicity[i]) * (y ? classWeight.positive : classWeight.negative)
            samples.append(Sample(row: Int32(i), positive: y ? 1 : 0, weight: w))
            rootWeight += w
            if y { rootPositive += w }
        }

        var feature: [Int32] = [-1]
        var threshold: [Double] = [0]
        var binThreshold: [Int] = [0]
        var left: [Int32] = [-1]
        var right: [Int32] = [-1]
        var value: [Double] = [0]
        var decrease = [Double](repeating: 0, count: bins.featureCount)

        var stack = [Pending(node: 0, start: 0, end: samples.count, depth: 0, weight: rootWeight, positiveWeight: rootPositive)]
        while let task = stack.popLast() {
            value[task.node] = task.weight > 0 ? min(1, max(0, task.positiveWeight / task.weight)) : 0
            let count = task.end - task.start
            let pure = task.positiveWeight <= 0 || task.positiveWeight >= task.weight
            if pure || task.depth >= maxDepth || count < 2 * minSamplesLeaf { continue }
            guard let split = bestSplit(task, rng: &rng) else { continue }

            let leftStart = task.start
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
            stack.append(Pending(
                node: l + 1, start: middle, end: task.end, depth: task.depth + 1,
                weight: split.rightWeight, positiveWeight: split.rightPositiveWeight))
            stack.append(Pending(
                node: l, start: leftStart, end: middle, depth: task.depth + 1,
                weight: split.leftWeight, positiveWeight: split.leftPositiveWeight))
        }

        // Out-of-bag rows, scored on their bins (identical to the raw thresholds by construction).
        var oobRows: [Int32] = []
        var oobValues: [Double] = []
        if bootstrap {
            bins.codes.withUnsafeBufferPointer { codes in
                for i in 0..<n where multiplicity[i] == 0 {
                    var node = 0
                    while feature[node] >= 0 {
                        let code = Int(codes[Int(feature[node]) * n + i])
                        node = Int(code <= binThreshold[node] ? left[node] : right[node])
                    }
                    oobRows.append(Int32(i))
                    oobValues.append(value[node])
                }
            }
        }
        let tree = DecisionTree(unchecked: feature, threshold: threshold, left: left, right: right, value: value)
        return Fit(tree: tree, impurityDecrease: decrease, outOfBagRows: oobRows, outOfBagValues: oobValues)
    }

    /// A chosen split. Both children's sums are added up directly from the histogram (never as
    /// parent − other child), so a child without buyers has exactly 0 buyer weight and a pure child
    /// is recognised as pure.
    private struct Split {
        var feature: Int
        var bin: Int
        var gain: Double
        var leftWeight: Double
        var leftPositiveWeight: Double
        var rightWeight: Double = 0
        var rightPositiveWeight: Double = 0
    }

    /// The best Gini split of the node over a random subset of features, or nil if none separates
    /// it with at least `minSamplesLeaf` rows each side and a positive impurity decrease.
    ///
    /// Features are drawn without replacement until `featuresPerNode` of them are non-constant in
    /// the node (constant ones are skipped without counting, as scikit-learn does).
    private mutating func bestSplit(_ node: Pending, rng: inout Xoshiro256) -> Split? {
        let p = bins.featureCount
        let n = bins.rowCount
        let parentScore = (node.positiveWeight * node.positiveWeight
            + (node.weight - node.positiveWeight) * (node.weight - node.positiveWeight)) / node.weight
        let totalCount = Int32(node.end - node.start)
        let minLeaf = Int32(minSamplesLeaf)
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
                        for s in node.start..<node.end {
                            let sample = samples[s]
                            let b = Int(column[Int(sample.row)])
                            hist[b].weight += sample.weight
                            hist[b].positiveWeight += sample.weight * sample.positive
                            hist[b].count += 1
                            lowest = min(lowest, b)
                            highest = max(highest, b)
                        }
                    }
                }
            }
            if lowest == highest {
                histogram[lowest] = Bin()
                continue
            }
            visited += 1

            histogram.withUnsafeMutableBufferPointer { hist in
                var lw = 0.0
                var lp = 0.0
                var lc: Int32 = 0
                var chosen = -1
                for b in lowest..<highest {
                    let h = hist[b]
                    if h.count == 0 { continue }
                    lw += h.weight
                    lp += h.positiveWeight
                    lc += h.count
                    if lc < minLeaf { continue }
                    if totalCount - lc < minLeaf { break }
                    let rw = node.weight - lw
                    let rp = node.positiveWeight - lp
                    let ln = lw - lp
                    let rn = rw - rp
                    let score = (lp * lp + ln * ln) / lw + (rp * rp + rn * rn) / rw
                    if score > bestScore {
                        bestScore = score
                        chosen = b
                        best = Split(feature: f, bin: b, gain: 0, leftWeight: lw, leftPositiveWeight: lp)
                    }
                }
                if chosen >= 0 {
                    // Any boundary between the last bin used on the left and the next bin used on the
                    // right splits this node the same way; take the middle one, as scikit-learn takes
                    // the midpoint between the two values.
                    var next = chosen + 1
                    while hist[next].count == 0 { next += 1 }
                    best!.bin = (chosen + next - 1) / 2
                    var rw = 0.0
                    var rp = 0.0
                    for b in next...highest {
                        rw += hist[b].weight
                        rp += hist[b].positiveWeight
                    }
                    best!.rightWeight = rw
                    best!.rightPositiveWeight = rp
                }
                for b in lowest...highest { hist[b] = Bin() }
            }
        }
        guard var split = best else { return nil }
        split.gain = bestScore - parentScore
        // Guard against splits that only move rounding error around.
        return split.gain > 1e-12 * node.weight ? split : nil
    }

    /// Moves the node's samples with `bin(feature) ≤ bin` to the front; returns where the rest start.
    private mutating func partition(_ node: Pending, feature f: Int, bin: Int) -> Int {
        let n = bins.rowCount
        return samples.withUnsafeMutableBufferPointer { samples in
            bins.codes.withUnsafeBufferPointer { codes in
                let column = codes.baseAddress! + f * n
                var i = node.start
                var j = node.end - 1
                while i <= j {
                    if Int(column[Int(samples[i].row)]) <= bin {
                        i += 1
                    } else {
                        samples.swapAt(i, j)
                        j -= 1
                    }
                }
                return i
            }
        }
    }
}
