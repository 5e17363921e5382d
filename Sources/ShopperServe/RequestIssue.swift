/// One thing wrong with a scoring request, named as precisely as the request allows: the row
/// (0-based, in request order) or the CSV line, the field (a column name, or `(record)` /
/// `(request)`), the JSON path, the offending value and the reason.
package struct RequestIssue: Sendable, Equatable, Encodable {
    package var row: Int?
    package var line: Int?
    package var field: String
    package var path: String?
    package var value: String
    package var reason: String

    package init(row: Int? = nil, line: Int? = nil, field: String, path: String? = nil, value: String, reason: String) {
        self.row = row
        self.line = line
        self.field = field
        self.path = path
        self.value = value
        self.reason = reason
    }

    /// The field name for a problem of a whole row.
    package static let recordField = "(record)"
    /// The field name for a problem of the request's shape.
    package static let requestField = "(request)"

    /// One line for the `message` of an error answer.
    package var sentence: String {
        let place = row.map { "row \($0)" } ?? line.map { "line \($0)" } ?? "request"
        return "\(place), field \(field)\(path.map { " (\($0))" } ?? ""), value \"\(value)\": \(reason)"
    }
}

/// A request answered with an error status; never a crash, never a 5xx for what a client sent.
package struct ServeFailure: Error, Sendable, Equatable {
    /// The HTTP status code.
    package var status: Int
    /// The issues, first one first; at least one.
    package var issues: [RequestIssue]

    package init(status: Int = 400, issues: [RequestIssue]) {
        self.status = status
        self.issues = issues.isEmpty ? [RequestIssue(field: RequestIssue.requestField, value: "", reason: "invalid request")] : issues
    }

    /// A problem of the request as a whole.
    package static func request(_ reason: String, value: String = "", status: Int = 400) -> ServeFailure {
        ServeFailure(status: status, issues: [RequestIssue(field: RequestIssue.requestField, value: value, reason: reason)])
    }

    /// At most this many issues are listed in an answer.
    package static let listedIssueLimit = 100

    /// The answer's JSON document: `{"error": first issue, "errors": [...], "message": "..."}`.
    package var body: Body {
        let listed = Array(issues.prefix(Self.listedIssueLimit))
        let more = issues.count - listed.count
        return Body(error: listed[0], errors: listed, issueCount: issues.count,
                    message: listed[0].sentence + (issues.count > 1 ? " (and \(issues.count - 1) more problem\(issues.count == 2 ? "" : "s")\(more > 0 ? ", \(listed.count) listed" : ""))" : ""))
    }

    package struct Body: Encodable, Sendable {
        var error: RequestIssue
        var errors: [RequestIssue]
        var issueCount: Int
        var message: String

    }
}
