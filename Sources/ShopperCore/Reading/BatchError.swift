/// Why a batch file could not be accepted. Nothing of a batch that throws is ever stored.
///
/// Each case's `description` says what is wrong and what to do; `issues` gives the same as
/// structured `ValidationIssue`s (for `NAME.rejected.json`).
package enum BatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The file is larger than the reader's `maxBytes`.
    case tooLarge(file: String, byteSize: Int, limit: Int)
    /// The file has no bytes (or only a byte-order mark and blank lines).
    case empty(file: String)
    /// The file has a header, on `headerLine`, but no data rows.
    case headerOnly(file: String, headerLine: Int)
    /// The file is not UTF-8 text: NUL bytes, a UTF-16 byte-order mark, or a header that is not UTF-8.
    case notText(file: String, line: Int, reason: String)
    /// Required columns are missing or duplicated, or a header name is unusable.
    case invalidHeader(file: String, issues: [ValidationIssue])
    /// A quoted field opened on `line` never closes, so the rest of the file cannot be split into rows.
    case unterminatedQuote(file: String, line: Int)
    /// Under the `reject` policy: some rows are invalid. `issues` holds the first
    /// `BatchReader.issueLimit` problems; `issueCount` counts them all.
    case invalidRows(file: String, issues: [ValidationIssue], issueCount: Int, invalidRowCount: Int, rowCount: Int)
    /// Under the `quarantine-rows` policy: not one row is valid, so there is nothing to keep.
    case noValidRows(file: String, issues: [ValidationIssue], issueCount: Int, rowCount: Int)

    /// The file the error is about.
    package var file: String {
        switch self {
        case .unreadable(let file, _), .tooLarge(let file, _, _), .empty(let file), .headerOnly(let file, _),
            .notText(let file, _, _), .invalidHeader(let file, _), .unterminatedQuote(let file, _),
            .invalidRows(let file, _, _, _, _), .noValidRows(let file, _, _, _):
            file
        }
    }

    /// The problems as structured issues (one for file-level errors). An issue has a line only
    /// when one line is at fault: a header-only file's issue names the header's line; an empty,
    /// unreadable or oversized file's issue has none.
    package var issues: [ValidationIssue] {
        switch self {
        case .invalidHeader(_, let issues), .invalidRows(_, let issues, _, _, _), .noValidRows(_, let issues, _, _):
            return issues
        case .notText(let file, let line, let reason):
            return [ValidationIssue(file: file, line: line, column: ValidationIssue.recordColumn, value: "", reason: reason)]
        case .unterminatedQuote(let file, let line):
            return [ValidationIssue(file: file, line: line, column: ValidationIssue.recordColumn, value: "\"",
                                    reason: "quoted field never closes")]
        case .headerOnly(let file, let headerLine):
            return [ValidationIssue(file: file, line: headerLine, column: ValidationIssue.recordColumn, value: "", reason: summary)]
        case .unreadable, .tooLarge, .empty:
            return [ValidationIssue(file: file, line: nil, column: ValidationIssue.recordColumn, value: "", reason: summary)]
        }
    }

    /// One line: what is wrong.
    package var summary: String {
        switch self {
        case .unreadable(_, let reason):
            "cannot read the file: \(reason)"
        case .tooLarge(_, let byteSize, let limit):
            "the file has \(byteSize) bytes, more than the limit of \(limit) bytes"
        case .empty:
            "the file is empty"
        case .headerOnly(_, let headerLine):
            "the file has a header but no data rows (the header is line \(headerLine))"
        case .notText(_, let line, let reason):
            "not a UTF-8 CSV file (line \(line)): \(reason)"
        case .invalidHeader(_, let issues):
            "invalid header: " + issues.map(\.reason).joined(separator: "; ")
        case .unterminatedQuote(_, let line):
            "a quoted field opened on line \(line) is never closed"
        case .invalidRows(_, _, let issueCount, let invalidRowCount, let rowCount):
            "\(invalidRowCount) of \(rowCount) row\(rowCount == 1 ? " is" : "s are") invalid (\(issueCount) problem\(issueCount == 1 ? "" : "s"))"
        case .noValidRows(_, _, let issueCount, let rowCount):
            "none of the \(rowCount) row\(rowCount == 1 ? "" : "s") is valid (\(issueCount) problem\(issueCount == 1 ? "" : "s"))"
        }
    }

    /// What the operator should do about it, in words that do not depend on the program that read
    /// the batch (see `advice(keepValidRows:)`).
    package var advice: String { advice(keepValidRows: nil) }

    /// What the operator should do about it. `keepValidRows` says how the caller's operator
    /// switches to the `quarantine-rows` policy — `shopperd ingest` has a flag, the daemon a
    /// setting — e.g. "ingest with --on-invalid quarantine-rows"; nil (a caller without that
    /// choice, like `shopperd score`): fixing the rows is the only advice.
    package func advice(keepValidRows: String?) -> String {
        switch self {
        case .unreadable:
            "Check that the path exists and is a readable regular file."
        case .tooLarge:
            "Split the batch into smaller files, or raise the size limit."
        case .empty, .headerOnly:
            "Export the batch again: a batch needs the header line and at least one data row."
        case .notText:
            "Export the batch as UTF-8 CSV (comma-separated, no NUL bytes)."
        case .invalidHeader:
            "The header must name each of the 17 input columns exactly once (Revenue is optional): "
                + Column.inputs.map(\.name).joined(separator: ",") + "."
        case .unterminatedQuote:
            "Close the quote (a quote inside a quoted field is written twice: \"\")."
        case .invalidRows:
            "Fix the rows listed and resubmit" + (keepValidRows.map { ", or \($0) to keep the valid rows." } ?? ".")
        case .noValidRows:
            "Fix the rows listed and resubmit; check that the file is a batch of shopping sessions."
        }
    }

    package var description: String { report(maxIssues: BatchReader.issueLimit) }

    /// The error for a terminal or a log: the summary, at most `maxIssues` issues (then how many
    /// more), and the advice (`keepValidRows`: see `advice(keepValidRows:)`).
    package func report(maxIssues: Int, keepValidRows: String? = nil) -> String {
        var text = "\(file): \(summary)"
        switch self {
        case .invalidHeader, .invalidRows, .noValidRows:
            let listed = issues
            for issue in listed.prefix(maxIssues) {
                text += "\n  \(issue.location), column \(issue.column), value \"\(issue.value)\": \(issue.reason)"
            }
            let total: Int
            switch self {
            case .invalidRows(_, _, let count, _, _), .noValidRows(_, _, let count, _): total = count
            default: total = listed.count
            }
            let shown = min(maxIssues, listed.count)
            if total > shown { text += "\n  … and \(total - shown) more problems" }
        default:
            break
        }
        return text + "\n" + advice(keepValidRows: keepValidRows)
    }
}
