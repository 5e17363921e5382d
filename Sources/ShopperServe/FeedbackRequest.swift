import ShopperCore
import ShopperStore

/// The body of `POST /v2/feedback`: `{"outcomes": [{"prediction_id": "…", "outcome": true}, …]}`.
/// `outcome` is `true`/`false` or `1`/`0` (did the session buy?). Every problem is named with its
/// JSON path; nothing is recorded unless the whole body is valid.
package enum FeedbackRequest {
    package static func outcomes(_ body: JSONValue, maxRows: Int) throws(ServeFailure) -> [OutcomeReport] {
        guard case .object(let object) = body, case .array(let items)? = object["outcomes"] else {
            throw .request("send {\"outcomes\": [{\"prediction_id\": \"…\", \"outcome\": true}, …]}", value: "")
        }
        if items.isEmpty { throw ServeFailure(issues: [RequestIssue(field: "outcomes", path: "outcomes", value: "[]", reason: "no outcome sent")]) }
        if items.count > maxRows {
            throw .request("\(items.count) outcomes is more than the limit of \(maxRows) per request (--max-rows)", status: 413)
        }
        var reports: [OutcomeReport] = []
        var issues: [RequestIssue] = []
        for (index, item) in items.enumerated() {
            let path = "outcomes[\(index)]"
            guard case .object(let fields) = item else {
                issues.append(RequestIssue(row: index, field: RequestIssue.recordField, path: path, value: "", reason: "each outcome is an object"))
                continue
            }
            let id: String?
            if case .string(let text)? = fields["prediction_id"], !text.isEmpty, text.utf8.count <= 128 { id = text } else {
                id = nil
                issues.append(RequestIssue(row: index, field: "prediction_id", path: path + ".prediction_id", value: fields["prediction_id"].map(Self.show) ?? "",
                                           reason: "the prediction id the scoring answer gave (a non-empty string of at most 128 bytes)"))
            }
            let outcome: Bool?
            switch fields["outcome"] {
            case .bool(let value)?: outcome = value
            case .integer(0)?: outcome = false
            case .integer(1)?: outcome = true
            case .number(let value)? where value == 0 || value == 1: outcome = value == 1
            default:
                outcome = nil
                issues.append(RequestIssue(row: index, field: "outcome", path: path + ".outcome", value: fields["outcome"].map(Self.show) ?? "",
                                           reason: "whether the session bought: true or false (or 1 or 0)"))
            }
            for key in fields.keys where key != "prediction_id" && key != "outcome" {
                issues.append(RequestIssue(row: index, field: key, path: path + "." + key, value: "", reason: "unknown field: only prediction_id and outcome"))
            }
            if let id, let outcome { reports.append(OutcomeReport(predictionID: id, outcome: outcome)) }
        }
        if !issues.isEmpty { throw ServeFailure(issues: issues) }
        return reports
    }

    /// A value as the request wrote it (JSON text, as the scoring endpoints' issues give it), at most 60 characters.
    private static func show(_ value: JSONValue) -> String { String(value.jsonText.prefix(60)) }
}
