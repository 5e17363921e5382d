import ShopperCore

/// How often each category occurs in a sample, with a stable display order.
public struct CategoryCounts: Sendable, Codable, Equatable {
    public private(set) var counts: [String: Int] = [:]
    /// Sort keys (`Session.numericValue`: month number, code…) so categories list in natural order.
    private var sortKeys: [String: Double] = [:]
    public private(set) var total = 0

    public init() {}

    public func count(_ label: String) -> Int { counts[label] ?? 0 }

    func sortKey(_ label: String) -> Double { sortKeys[label] ?? .infinity }

    /// Labels of both samples, in natural order (then by label).
    static func unionOfLabels(_ a: CategoryCounts, _ b: CategoryCounts) -> [String] {
        let labels = Set(a.counts.keys).union(b.counts.keys)
        return labels.sorted { lhs, rhs in
            let l = min(a.sortKey(lhs), b.sortKey(lhs)), r = min(a.sortKey(rhs), b.sortKey(rhs))
            return l != r ? l < r : lhs < rhs
        }
    }

    /// Counts a categorical column. Counting runs on `numericValue` (a one-to-one code for
    /// every categorical column), and each distinct code is turned into its label once, so no
    /// string is built per row.
    init(_ sessions: [Session], column: Column) {
        var byCode = [Double: Int]()
        var labels = [Double: String]()
        for session in sessions {
            let code = session.numericValue(column)
            if let count = byCode[code] {
                byCode[code] = count + 1
            } else {
                byCode[code] = 1
                labels[code] = session.categoryLabel(column)
            }
        }
        for (code, count) in byCode {
            let label = labels[code] ?? ""
            counts[label, default: 0] += count
            sortKeys[label] = code
            total += count
        }
    }
}

/// The data the serving model learned from, prepared once for every drift check: each numeric
/// input column sorted, each categorical one counted. A check then only sorts and counts the
/// batch itself.
public struct DriftReference: Sendable, Codable {
    public let rowCount: Int
    /// The columns tested, in published order.
    public let columns: [Column]
    private let sorted: [Column: [Double]]
    private let categories: [Column: CategoryCounts]

    /// Prepares the 17 input features of `sessions`.
    public init(sessions: [Session], columns: [Column] = Column.inputs) {
        rowCount = sessions.count
        self.columns = columns
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

    /// The reference values of a numeric column, ascending (empty for a categorical column).
    public func sortedValues(_ column: Column) -> [Double] { sorted[column] ?? [] }

    /// The reference category counts of a categorical column (empty for a numeric column).
    public func categoryCounts(_ column: Column) -> CategoryCounts { categories[column] ?? CategoryCounts() }
}
