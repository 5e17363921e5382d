/// The `text` format: one line per feature in published order, then the decision.
package enum DriftTextReport {
    package static func render(_ report: DriftReport) -> String {
        let widths = [24, 12, 5, 11, 11, 11, 8]
        var lines = [row(["column", "kind", "test", "statistic", "p_value", "p_adjusted", "effect"], widths) + "  drifted"]
        for column in report.columns {
            var line = row([
                column.column.name, column.kind.rawValue, column.test.rawValue,
                NumberFormat.statistic(column.statistic), NumberFormat.pValue(column.pValue),
                NumberFormat.pValue(column.pAdjusted), NumberFormat.c("%.4f", column.effectSize),
            ], widths)
            line += column.drifted ? "  yes" : "  no"
            if column.calendar { line += "  (calendar: reported, not deciding)" }
            if let unseen = column.unseenCategories, !unseen.isEmpty {
                line += "  (unseen in reference: \(unseen.joined(separator: ", ")))"
            }
            lines.append(line)
        }
        lines.append("")
        lines.append("reference: \(comparedClause(report)), current rows: \(report.currentRows)")
        lines.append("critical_drift: \(report.criticalDrift)"
            + (report.drivers.isEmpty ? "" : " (driven by \(report.drivers.map(\.name).joined(separator: ", ")))"))
        lines.append("rule: \(report.rule)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// "3364 of 12330 rows (matched on month and SpecialDay: May)", or "12330 rows".
    package static func comparedClause(_ report: DriftReport) -> String {
        switch report.calendarMatch {
        case .none:
            return "\(report.referenceRows) rows"
        case .month, .monthAndHoliday, .monthAndSpecialDay:
            let by = report.calendarMatch.matchedOn
            return "\(report.referenceRowsCompared) of \(report.referenceRows) rows (matched on \(by): \(report.monthsMatched.map(\.name).joined(separator: ", ")))"
        }
    }

    /// Text columns left-aligned, numeric ones (from the fourth) right-aligned.
    static func row(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).enumerated().map { index, pair in
            let (cell, width) = pair
            let padding = String(repeating: " ", count: max(0, width - cell.count))
            return index < 3 ? cell + padding : padding + cell
        }.joined(separator: " ")
    }
}
