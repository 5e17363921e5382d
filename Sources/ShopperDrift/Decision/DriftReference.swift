import ShopperCore

/// How often each category occurs in a sample, with a stable display order.
package struct CategoryCounts: Sendable, Codable, Equatable {
    package private(set) var counts: [String: Int] = [:]
    /// Sort keys (`Session.numericValue`: month number, code…) so categories list in natural order.
    private var sortKeys: [String: Double] = [:]
    package private(set) var total = 0

    package init() {}

    package func count(_ label: String) -> Int { counts[label] ?? 0 }

    /// Adds another sample's counts (the union of two sets of rows).
    mutating func add(_ other: CategoryCounts) {
        for (label, count) in other.counts {
            counts[label, default: 0] += count
            sortKeys[label] = other.sortKeys[label]
        }
        total += other.total
    }

    /// The counts scaled to `target` rows (largest remainders), as if `target` of the rows
    /// had been taken in exact proportion: see ``ReferenceSample/thinned(to:)``.
    func scaled(to target: Int) -> CategoryCounts {
        guard total > 0, target != total else { return self }
        let labels = counts.keys.sorted { sortKey($0) < sortKey($1) || (sortKey($0) == sortKey($1) && $0 < $1) }
        let exact = labels.map { Double(counts[$0]!) * Double(target) / Double(total) }
        var floors = exact.map { Int($0.rounded(.down)) }
        let order = labels.indices.sorted { exact[$0] - Double(floors[$0]) > exact[$1] - Double(floors[$1]) || (exact[$0] - Double(floors[$0]) == exact[$1] - Double(floors[$1]) && $0 < $1) }
        for index in order.prefix(target - floors.reduce(0, +)) { floors[index] += 1 }
        var result = CategoryCounts()
        for (index, label) in labels.enumerated() where floors[index] > 0 {
            result.counts[label] = floors[index]
            result.sortKeys[label] = sortKeys[label]
        }
        result.total = target
        return result
    }

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
/// input column sorted, each categorical one counted — for all rows and for each calendar
/// stratum (month × SpecialDay), so a batch can be compared with the rows of its own dates
/// (``calendarMatch(for:minimumRows:)``). A check then only sorts and counts the batch itself
/// (and merges the sorted strata it matched).
package struct DriftReference: Sendable, Codable {
    /// The columns tested, in published order.
    package let columns: [Column]
    /// All rows.
    package let whole: ReferenceSample
    /// The rows of each calendar key the reference holds, in calendar order.
    let strata: [CalendarStratum]

    package var rowCount: Int { whole.rowCount }

    /// Prepares the 17 input features of `sessions`.
    package init(sessions: [Session], columns: [Column] = Column.inputs) {
        self.columns = columns
        var groups = [CalendarKey: [Session]]()
        for session in sessions { groups[CalendarKey(session), default: []].append(session) }
        strata = groups.keys.sorted().map { CalendarStratum(key: $0, sample: ReferenceSample(sessions: groups[$0]!, columns: columns)) }
        whole = ReferenceSample(merging: strata.map(\.sample), columns: columns)
    }

    /// The batch's months the reference has no row of, and the share of the batch's rows in them.
    package func unseenMonths(of batch: [Session]) -> (months: [Month], share: Double) {
        let seen = Set(strata.map(\.key.month))
        var unseen = [Month: Int]()
        for session in batch where !seen.contains(session.month) { unseen[session.month, default: 0] += 1 }
        let rows = unseen.values.reduce(0, +)
        return (unseen.keys.sorted(), batch.isEmpty ? 0 : Double(rows) / Double(batch.count))
    }

    /// The reference rows of each month, in calendar order.
    package var rowsByMonth: [(month: Month, rows: Int)] {
        var rows = [Month: Int]()
        for stratum in strata { rows[stratum.key.month, default: 0] += stratum.sample.rowCount }
        return rows.keys.sorted().map { ($0, rows[$0]!) }
    }

    /// The reference values of a numeric column over all rows, ascending (empty for a categorical column).
    package func sortedValues(_ column: Column) -> [Double] { whole.sortedValues(column) }

    /// The reference category counts of a categorical column over all rows (empty for a numeric column).
    package func categoryCounts(_ column: Column) -> CategoryCounts { whole.categoryCounts(column) }
}
