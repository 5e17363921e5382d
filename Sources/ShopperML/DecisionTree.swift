/// One fitted tree as flat arrays, the layout scikit-learn's `Tree` uses.
///
/// Node 0 is the root. An internal node sends a row left when `x[feature] <= threshold` (NaN goes
/// right) and right otherwise; a leaf has `feature == -1` and children -1. `value` is the
/// (class-weighted) fraction of buyers among the training rows that reached the node; a leaf's
/// value is the tree's probability. Children always come after their parent, so a tree read from a
/// file cannot loop.
package struct DecisionTree: Sendable, Equatable {
    package let feature: [Int32]
    package let threshold: [Double]
    package let left: [Int32]
    package let right: [Int32]
    package let value: [Double]

    /// A tree from its arrays, checked: equal lengths, children in range and after their parent,
    /// every node the child of at most one node, leaves without children, features in
    /// `0..<featureCount`, probabilities in [0, 1].
    package init(
        feature: [Int32], threshold: [Double], left: [Int32], right: [Int32], value: [Double], featureCount: Int
    ) throws(ForestError) {
        let n = feature.count
        guard n > 0 else { throw .invalidModelFile("a tree has no nodes") }
        guard threshold.count == n, left.count == n, right.count == n, value.count == n else {
            throw .invalidModelFile("a tree's arrays have different lengths")
        }
        // Each node's parent, so that a child shared by two nodes is refused: with children after
        // their parent the arrays cannot loop, but node i → (i+1, i+2) has Fibonacci(n) paths, and
        // the scorer's layout (`CompiledForest`) would expand every one of them.
        var parent = [Int32](repeating: -1, count: n)
        for i in 0..<n {
            guard value[i] >= 0, value[i] <= 1 else { throw .invalidModelFile("node \(i) has probability \(value[i])") }
            if feature[i] < 0 {
                guard feature[i] == -1, left[i] == -1, right[i] == -1 else {
                    throw .invalidModelFile("leaf \(i) has children or a bad feature index")
                }
            } else {
                guard Int(feature[i]) < featureCount else {
                    throw .invalidModelFile("node \(i) tests feature \(feature[i]) of \(featureCount)")
                }
                guard left[i] > i, right[i] > i, left[i] < n, right[i] < n, left[i] != right[i] else {
                    throw .invalidModelFile("node \(i) has children out of range or not after it")
                }
                guard !threshold[i].isNaN else { throw .invalidModelFile("node \(i) has a NaN threshold") }
                let l = Int(left[i]), r = Int(right[i])
                if parent[l] >= 0 || parent[r] >= 0 {
                    let child = parent[l] >= 0 ? l : r
                    throw .invalidModelFile("node \(child) has two parents (nodes \(parent[child]) and \(i)): not a tree")
                }
                parent[l] = Int32(i)
                parent[r] = Int32(i)
            }
        }
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.value = value
    }

    /// Built by `TreeBuilder`, which guarantees the invariants `init(...featureCount:)` checks.
    init(unchecked feature: [Int32], threshold: [Double], left: [Int32], right: [Int32], value: [Double]) {
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.value = value
    }

    /// The number of nodes.
    package var nodeCount: Int { feature.count }

    /// The number of leaves.
    package var leafCount: Int { feature.lazy.filter { $0 < 0 }.count }

    /// The depth of the deepest leaf (a lone root is depth 0).
    package var depth: Int {
        var depths = [Int](repeating: 0, count: nodeCount)
        var deepest = 0
        for i in 0..<nodeCount where feature[i] >= 0 {
            depths[Int(left[i])] = depths[i] + 1
            depths[Int(right[i])] = depths[i] + 1
            deepest = max(deepest, depths[i] + 1)
        }
        return deepest
    }

    /// The probability this tree gives a row whose feature `f` is `x(f)`.
    @inlinable
    package func probability(_ x: (Int) -> Double) -> Double {
        var node = 0
        while feature[node] >= 0 {
            node = Int(x(Int(feature[node])) <= threshold[node] ? left[node] : right[node])
        }
        return value[node]
    }
}
