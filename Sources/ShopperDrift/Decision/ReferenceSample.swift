import ShopperCore

/// A set of reference rows prepared for testing: each numeric column sorted, each categorical
/// one counted. A ``DriftReference`` holds one for all its rows and one per calendar stratum;
/// a check compares the batch with the union of the strata that match it.
package struct ReferenceSample: Sendable, Codable, Equatable {
    package let rowCount: Int
    private let sorted: [Column: [Double]]
    private let categories: [Column: CategoryCounts]

    init(sessions: [Session], columns: [Column]) {
        rowCount = sessions.count
        var sorted = [Column: [Double]]()
        var categories = [Column: CategoryCounts]()
        for column in columns {
            if column.isCategorical {
                categories[column] = CategoryCounts(sessions, column: column)
            } else {
                sorted[column] = sessions.map { $0.numericValue(column) }.radixSorted()
            }
        }
        self.sorted = sorted
        self.categories = categories
    }

    /// The union of `samples`: sorted columns merged (no re-sort), counts added.
    init(merging samples: [ReferenceSample], columns: [Column]) {
        rowCount = samples.reduce(0) { $0 + $1.rowCount }
        var sorted = [Column: [Double]]()
        var categories = [Column: CategoryCounts]()
        for column in columns {
            if column.isCategorical {
                var counts = CategoryCounts()
                for sample in samples { counts.add(sample.categoryCounts(column)) }
                categories[column] = counts
            } else {
                sorted[column] = Self.merge(samples.map { $0.sortedValues(column) })
            }
        }
        self.sorted = sorted
        self.categories = categories
    }

    /// `target` rows standing for these in exact proportion: each sorted column keeps the values
    /// at evenly spaced ranks (its quantiles), each category its share (largest remainders).
    /// Why: to give a reference the batch's calendar mix without drawing at random (a check must
    /// be reproducible). A quantile subset is closer to its source than a random subset of the
    /// same size, so tests that treat it as a random sample are, if anything, conservative.
    func thinned(to target: Int) -> ReferenceSample {
        guard target < rowCount else { return self }
        let ranks = (0..<target).map { Int((Double($0) + 0.5) * Double(rowCount) / Double(target)) }
        return ReferenceSample(
            rowCount: target,
            sorted: sorted.mapValues { values in ranks.map { values[min($0, values.count - 1)] } },
            categories: categories.mapValues { $0.scaled(to: target) })
    }

    private init(rowCount: Int, sorted: [Column: [Double]], categories: [Column: CategoryCounts]) {
        self.rowCount = rowCount
        self.sorted = sorted
        self.categories = categories
    }

    /// The values of a numeric column, ascending (empty for a categorical column).
    package func sortedValues(_ column: Column) -> [Double] { sorted[column] ?? [] }

    /// The category counts of a categorical column (empty for a numeric column).
    package func categoryCounts(_ column: Column) -> CategoryCounts { categories[column] ?? CategoryCounts() }

    /// Merges ascending arrays pairwise (a balanced tree: log₂ k passes over the values).
    static func merge(_ arrays: [[Double]]) -> [Double] {
        var level = arrays.filter { !$0.isEmpty }
        guard !level.isEmpty else { return [] }
        while level.count > 1 {
            var next = [[Double]]()
            next.reserveCapacity((level.count + 1) / 2)
            var index = 0
            while index + 1 < level.count {
                next.append(mergeTwo(level[index], level[index + 1]))
                index += 2
            }
            if index < level.count { next.append(level[index]) }
            level = next
        }
        return level[0]
    }

    static func mergeTwo(_ first: [Double], _ second: [Double]) -> [Double] {
        let total = first.count + second.count
        return [Double](unsafeUninitializedCapacity: total) { output, initialized in
            first.withUnsafeBufferPointer { a in
                second.withUnsafeBufferPointer { b in
                    var i = 0, j = 0, k = 0
                    while i < a.count, j < b.count {
                        if b[j] < a[i] {
                            output.initializeElement(at: k, to: b[j]); j += 1
                        } else {
                            output.initializeElement(at: k, to: a[i]); i += 1
                        }
                        k += 1
                    }
                    while i < a.count { output.initializeElement(at: k, to: a[i]); i += 1; k += 1 }
                    while j < b.count { output.initializeElement(at: k, to: b[j]); j += 1; k += 1 }
                }
            }
            initialized = total
        }
    }
}
