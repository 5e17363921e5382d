import ShopperCore

/// The quarantined rows of an accepted batch, as the operator reads them: each row's problems
/// (file, line, column, value, reason) in file order, bounded so that a batch of a million bad
/// rows cannot bloat its report or the journal; the counts always cover every row.
///
/// A count alone ("3 rows quarantined") leaves the operator to dig the rows out of the store;
/// the report and the `rows-quarantined` journal event say which rows and why.
package enum QuarantineListing {
    /// At most this many issues are listed in `NAME.report.json` (as in `NAME.rejected.json`).
    package static let reportLimit = BatchReader.issueLimit

    /// At most this many rows are listed in the `rows-quarantined` journal event.
    package static let journalRowLimit = 20

    /// The issues of `rows`, in file order, at most `limit`; nil when nothing was quarantined.
    package static func issues(_ rows: [QuarantinedRow], limit: Int = reportLimit) -> [ValidationIssue]? {
        guard !rows.isEmpty else { return nil }
        var listed: [ValidationIssue] = []
        for row in rows {
            if listed.count >= limit { break }
            listed.append(contentsOf: row.issues.prefix(limit - listed.count))
        }
        return listed
    }

    /// How many issues `rows` have in all; nil when nothing was quarantined.
    package static func issueCount(_ rows: [QuarantinedRow]) -> Int? {
        rows.isEmpty ? nil : rows.reduce(0) { $0 + $1.issues.count }
    }

    /// The issues of the first `rowLimit` rows among `issues` (one row's issues share its line).
    package static func firstRows(of issues: [ValidationIssue], rowLimit: Int = journalRowLimit) -> [ValidationIssue] {
        var lines = Set<Int?>()
        var kept: [ValidationIssue] = []
        for issue in issues {
            if !lines.contains(issue.line) {
                if lines.count == rowLimit { break }
                lines.insert(issue.line)
            }
            kept.append(issue)
        }
        return kept
    }

    /// One line per issue: `line 5, column Month, value "Foo": not a month …`.
    package static func text(_ issues: [ValidationIssue]) -> String {
        issues.map { "\($0.location), column \($0.column), value \"\($0.value)\": \($0.reason)" }.joined(separator: "\n")
    }
}
