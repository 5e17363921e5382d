/// The forest packed for scoring: every node of every tree in one array of 16-byte nodes.
///
/// A node's children sit next to each other (right = left + 1), so a step down is one compare and
/// one add, with no branch on the direction. A leaf points to itself and tests a virtual feature
/// that is always −∞, so stepping from a leaf stays on it: that lets the batch path walk eight
/// rows down a tree in lockstep, eight independent chains of loads the processor overlaps, and
/// stop when all eight stand on leaves. A leaf keeps its probability in the threshold slot.
///
/// Rows are scored in blocks: the block is transposed to row-major once, then each tree (a few
/// kilobytes, hot in cache) runs over all rows of the block. Every row's sum is taken in tree order
/// whatever the path (batch, single row, any number of tasks), so probabilities are bit-identical.
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

    /// Rows per block: the block's row-major copy stays in L1 next to the tree being walked.
    static let blockSize = 64
    /// Rows walked down a tree in lockstep.
    static let lanes = 16

    /// Scores rows `range` of the column-major `values` (`rowCount` rows); row `r` goes to
    /// `output[r - range.lowerBound]`.
    func score(
        values: UnsafeBufferPointer<Double>, rowCount: Int, range: Range<Int>, output: UnsafeMutableBufferPointer<Double>
    ) {
        let p = featureCount
        let stride = p + 1  // one more column: the leaves' virtual −∞ feature
        let blockSize = CompiledForest.blockSize
        let lanes = CompiledForest.lanes
        let leafFeature = Int32(p)
        let scale = 1 / Double(roots.count)
        var block = [Double](repeating: 0, count: blockSize * stride)
        for i in 0..<blockSize { block[i * stride + p] = -.infinity }
        var sums = [Double](repeating: 0, count: blockSize)
        var cursor = [Int32](repeating: 0, count: lanes)
        nodes.withUnsafeBufferPointer { nodes in
            block.withUnsafeMutableBufferPointer { x in
                sums.withUnsafeMutableBufferPointer { sums in
                    cursor.withUnsafeMutableBufferPointer { cursor in
                        var start = range.lowerBound
                        while start < range.upperBound {
                            let count = min(blockSize, range.upperBound - start)
                            for f in 0..<p {
                                let column = f * rowCount + start
                                for i in 0..<count { x[i * stride + f] = values[column + i] }
                            }
                            for i in 0..<blockSize { sums[i] = 0 }
                            let groups = (count + lanes - 1) / lanes
                            for root in roots {
                                for g in 0..<groups {
                                    let rows = x.baseAddress! + g * lanes * stride
                                    for k in 0..<lanes { cursor[k] = root }
                                    var walking: Int32
                                    repeat {
                                        walking = 0
                                        for k in 0..<lanes {
                                            let node = nodes[Int(cursor[k])]
                                            let goRight: Int32 = rows[k * stride + Int(node.feature)] <= node.threshold ? 0 : 1
                                            cursor[k] = node.left &+ goRight
                                            walking |= node.feature ^ leafFeature
                                        }
                                    } while walking != 0
                                    for k in 0..<lanes { sums[g * lanes + k] += nodes[Int(cursor[k])].threshold }
                                }
                            }
                            for i in 0..<count { output[start - range.lowerBound + i] = sums[i] * scale }
                            start += count
                        }
                    }
                }
            }
        }
    }

    /// Trees walked in lockstep by the one-row walk.
    static let treeLanes = 16

    /// The probability of one row given in feature order: `treeLanes` trees walked in lockstep (their
    /// node loads overlap instead of waiting on each other), leaves summed in tree order, so the
    /// number is bit-identical to the batch walk's.
    func score(row: UnsafeBufferPointer<Double>) -> Double {
        let p = featureCount
        let leafFeature = Int32(p)
        let lanes = CompiledForest.treeLanes
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: p + 1) { x in
            for f in 0..<p { x[f] = row[f] }
            x[p] = -.infinity  // the leaves' virtual feature: a leaf's walk stays on the leaf
            return withUnsafeTemporaryAllocation(of: Int32.self, capacity: lanes) { cursor in
                nodes.withUnsafeBufferPointer { nodes in
                    roots.withUnsafeBufferPointer { roots in
                        var sum = 0.0
                        var t = 0
                        while t < roots.count {
                            let width = min(lanes, roots.count - t)
                            for k in 0..<width { cursor[k] = roots[t + k] }
                            var walking: Int32
                            repeat {
                                walking = 0
                                for k in 0..<width {
                                    let node = nodes[Int(cursor[k])]
                                    let goRight: Int32 = x[Int(node.feature)] <= node.threshold ? 0 : 1
                                    cursor[k] = node.left &+ goRight
                                    walking |= node.feature ^ leafFeature
                                }
                            } while walking != 0
                            for k in 0..<width { sum += nodes[Int(cursor[k])].threshold }
                            t += width
                        }
                        return sum * (1 / Double(roots.count))
                    }
                }
            }
        }
    }
}
