/// The forest packed for scoring: every node of every tree in one array of 16-byte nodes.
///
/// A node's children sit next to each other (right = left + 1), so a step down is one compare and
/// one add, with no branch on the direction. A leaf points to itself and tests a virtual feature
/// that is always −∞, so stepping from a leaf stays on it: that lets a row walk sixteen trees in
/// lockstep, sixteen independent chains of loads the processor overlaps, and stop when all sixteen
/// stand on leaves. A leaf keeps its probability in the threshold slot.
///
/// Every path (a batch, one row, any number of tasks) scores a row with that one walk and sums its
/// leaves in tree order, so probabilities are bit-identical. (Rows were walked down one tree in
/// lockstep before, sixteen rows at a time, 64-row blocks transposed to row-major: the walk across
/// trees scored 1.3-1.5 times as many rows a second on this machine, and one row 3-4 times as fast.)
struct CompiledForest: Sendable {
    struct Node {
        /// The split value, or the leaf's probability.
        var threshold: Double
        /// The feature tested; `featureCount` (the virtual −∞ feature) at a leaf.
        var feature: Int32
        /// The left child (the right one is next to it); the node itself at a leaf.
        var left: Int32
    }

    let nodes: [Node]
    let roots: [Int32]
    let featureCount: Int

    init(trees: [DecisionTree], featureCount: Int) {
        let leafFeature = Int32(featureCount)
        var nodes: [Node] = []
        var roots: [Int32] = []
        nodes.reserveCapacity(trees.reduce(0) { $0 + $1.nodeCount })
        for tree in trees {
            // Lay the tree out breadth-first so that siblings are adjacent whatever the file's order.
            let root = nodes.count
            roots.append(Int32(root))
            nodes.append(Node(threshold: 0, feature: leafFeature, left: Int32(root)))
            var queue: [(source: Int, slot: Int)] = [(0, root)]
            var head = 0
            while head < queue.count {
                let (source, slot) = queue[head]
                head += 1
                if tree.feature[source] < 0 {
                    nodes[slot] = Node(threshold: tree.value[source], feature: leafFeature, left: Int32(slot))
                } else {
                    let l = nodes.count
                    nodes.append(Node(threshold: 0, feature: leafFeature, left: Int32(l)))
                    nodes.append(Node(threshold: 0, feature: leafFeature, left: Int32(l + 1)))
                    nodes[slot] = Node(threshold: tree.threshold[source], feature: tree.feature[source], left: Int32(l))
                    queue.append((Int(tree.left[source]), l))
                    queue.append((Int(tree.right[source]), l + 1))
                }
            }
        }
        self.nodes = nodes
        self.roots = roots
        self.featureCount = featureCount
    }

    /// Rows per unit of work when a batch is shared among tasks (`ForestModel`'s chunks are multiples).
    static let blockSize = 64
    /// Trees walked in lockstep by one row.
    static let treeLanes = 16

    /// Scores rows `range` of the column-major `values` (`rowCount` rows); row `r` goes to
    /// `output[r - range.lowerBound]`.
    func score(
        values: UnsafeBufferPointer<Double>, rowCount: Int, range: Range<Int>, output: UnsafeMutableBufferPointer<Double>
    ) {
        let p = featureCount
        withWalk { walk in
            for r in range {
                for f in 0..<p { walk.row[f] = values[f * rowCount + r] }
                output[r - range.lowerBound] = walk.score()
            }
        }
    }

    /// The probability of one row given in feature order.
    func score(row: UnsafeBufferPointer<Double>) -> Double {
        withWalk { walk in
            for f in 0..<featureCount { walk.row[f] = row[f] }
            return walk.score()
        }
    }

    /// The scratch space of a walk (the row with its virtual −∞ feature, the lanes' cursors), on the stack.
    private func withWalk<T>(_ body: (inout Walk) -> T) -> T {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: featureCount + 1) { row in
            row[featureCount] = -.infinity  // the leaves' virtual feature: a leaf's walk stays on the leaf
            return withUnsafeTemporaryAllocation(of: Int32.self, capacity: CompiledForest.treeLanes) { cursor in
                nodes.withUnsafeBufferPointer { nodes in
                    roots.withUnsafeBufferPointer { roots in
                        var walk = Walk(nodes: nodes, roots: roots, row: row, cursor: cursor, leafFeature: Int32(featureCount))
                        return body(&walk)
                    }
                }
            }
        }
    }

    /// One row (in `row`, feature order) down every tree, `treeLanes` trees at a time.
    private struct Walk {
        let nodes: UnsafeBufferPointer<Node>
        let roots: UnsafeBufferPointer<Int32>
        let row: UnsafeMutableBufferPointer<Double>
        let cursor: UnsafeMutableBufferPointer<Int32>
        let leafFeature: Int32

        func score() -> Double {
            var sum = 0.0
            var t = 0
            while t < roots.count {
                let width = min(CompiledForest.treeLanes, roots.count - t)
                for k in 0..<width { cursor[k] = roots[t + k] }
                var walking: Int32
                repeat {
                    walking = 0
                    for k in 0..<width {
                        let node = nodes[Int(cursor[k])]
                        let goRight: Int32 = row[Int(node.feature)] <= node.threshold ? 0 : 1
                        cursor[k] = node.left &+ goRight
                        walking |= node.feature ^ leafFeature
                    }
                } while walking != 0
                for k in 0..<width { sum += nodes[Int(cursor[k])].threshold }  // in tree order
                t += width
            }
            return sum * (1 / Double(roots.count))
        }
    }
}
