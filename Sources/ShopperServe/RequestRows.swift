import ShopperCore

/// One named value of one row of a scoring request, with where it stood in the request's JSON.
package struct RequestCell: Sendable {
    package var field: String
    package var value: JSONValue
    /// Where the value stands: `container[row]` then `step`; its text is made only for a report.
    var container: String
    var row: Int
    var step: Step

    enum Step: Sendable {
        case none
        case index(Int)
        case key(String)
    }

    /// A JSON path to the value, e.g. `dataframe_records[3].Month`.
    package var path: String {
        switch step {
        case .none: "\(container)[\(row)]"
        case .index(let index): "\(container)[\(row)][\(index)]"
        case .key(let key): "\(container)[\(row)].\(key)"
        }
    }
}

/// The rows of a JSON scoring request, whatever its form, before any column rule is applied.
package typealias RequestRows = [[RequestCell]]

/// MLflow's scoring-server JSON forms (`POST /invocations`):
/// - `{"dataframe_split": {"columns": [...], "data": [[...], ...]}}` (`index` ignored),
/// - `{"dataframe_records": [{"Month": "Nov", ...}, ...]}`,
/// - `{"instances": ...}` and `{"inputs": ...}`: a list of records or of rows (lists of the 17
///   inputs in published order), or one object of equally long column lists; a single record
///   object is one row.
/// A `params` key beside them is accepted and ignored.
package enum MLflowRequest {
    package static let forms = ["dataframe_split", "dataframe_records", "instances", "inputs"]

    package static func rows(_ json: JSONValue, maxRows: Int) throws(ServeFailure) -> RequestRows {
        guard case .object(let top) = json else {
            throw .request("the body must be a JSON object with one of the keys \(forms.joined(separator: ", "))", value: json.typeName)
        }
        let keys = top.keys.filter { $0 != "params" }.sorted()
        guard keys.count == 1, let key = keys.first, let payload = top[key], forms.contains(key) else {
            throw .request("the body must have exactly one of the keys \(forms.joined(separator: ", ")) (besides params); it has \(keys.isEmpty ? "none" : keys.joined(separator: ", "))",
                           value: keys.joined(separator: ","))
        }
        switch key {
        case "dataframe_split": return try split(payload, maxRows: maxRows)
        case "dataframe_records": return try records(payload, at: key, maxRows: maxRows)
        default:
            if case .object(let members) = payload, members.values.allSatisfy({ if case .array = $0 { true } else { false } }), !members.isEmpty {
                return try columns(members, at: key, maxRows: maxRows)
            }
            if case .object = payload { return try records(.array([payload]), at: key, maxRows: maxRows) }
            return try records(payload, at: key, maxRows: maxRows)
        }
    }

    static func split(_ payload: JSONValue, maxRows: Int) throws(ServeFailure) -> RequestRows {
        guard case .object(let members) = payload, case .array(let columnValues)? = members["columns"], case .array(let data)? = members["data"] else {
            throw .request("dataframe_split must be an object with a columns list and a data list of rows", value: payload.typeName)
        }
        var names: [String] = []
        for (j, value) in columnValues.enumerated() {
            guard case .string(let name) = value else {
                throw ServeFailure(issues: [RequestIssue(field: RequestIssue.requestField, path: "dataframe_split.columns[\(j)]", value: value.jsonText,
                                                         reason: "a column name must be a JSON string")])
            }
            names.append(name)
        }
        try RowLimit.check(data.count, maxRows: maxRows)
        var rows: RequestRows = []
        rows.reserveCapacity(data.count)
        for (i, row) in data.enumerated() {
            guard case .array(let values) = row, values.count == names.count else {
                let count = if case .array(let values) = row { "\(values.count) values" } else { row.typeName }
                throw ServeFailure(issues: [RequestIssue(row: i, field: RequestIssue.recordField, path: "dataframe_split.data[\(i)]", value: count,
                                                         reason: "each row must be a list of \(names.count) values, one per column")])
            }
            rows.append(values.indices.map { RequestCell(field: names[$0], value: values[$0], container: "dataframe_split.data", row: i, step: .index($0)) })
        }
        return rows
    }

    static func records(_ payload: JSONValue, at key: String, maxRows: Int) throws(ServeFailure) -> RequestRows {
        guard case .array(let list) = payload else {
            throw .request("\(key) must be a list of records (JSON objects) or an object of column lists", value: payload.typeName)
        }
        try RowLimit.check(list.count, maxRows: maxRows)
        var rows: RequestRows = []
        rows.reserveCapacity(list.count)
        let positional = Column.inputs.map(\.name)
        for (i, record) in list.enumerated() {
            // A list of 17 values (MLflow's `{"inputs": [[…], …]}`): the inputs in published order.
            if key != "dataframe_records", case .array(let values) = record {
                guard values.count == positional.count else {
                    throw ServeFailure(issues: [RequestIssue(row: i, field: RequestIssue.recordField, path: "\(key)[\(i)]", value: "\(values.count) values",
                                                             reason: "a row given as a list must hold the \(positional.count) inputs in published order (GET /v2/models/shopperd lists them)")])
                }
                rows.append(values.indices.map { RequestCell(field: positional[$0], value: values[$0], container: key, row: i, step: .index($0)) })
                continue
            }
            guard case .object(let members) = record else {
                throw ServeFailure(issues: [RequestIssue(row: i, field: RequestIssue.recordField, path: "\(key)[\(i)]", value: record.typeName,
                                                         reason: "a record must be a JSON object of column names and values")])
            }
            rows.append(members.sorted { $0.key < $1.key }.map { RequestCell(field: $0.key, value: $0.value, container: key, row: i, step: .key($0.key)) })
        }
        return rows
    }

    static func columns(_ members: [String: JSONValue], at key: String, maxRows: Int) throws(ServeFailure) -> RequestRows {
        var lists: [(name: String, values: [JSONValue])] = []
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            if case .array(let values) = value { lists.append((name, values)) }
        }
        let count = lists[0].values.count
        try RowLimit.check(count, maxRows: maxRows)
        if let uneven = lists.first(where: { $0.values.count != count }) {
            throw ServeFailure(issues: [RequestIssue(field: uneven.name, path: "\(key).\(uneven.name)", value: "\(uneven.values.count) values",
                                                     reason: "every column list must be as long as the others (\(lists[0].name) has \(count))")])
        }
        let containers = lists.map { "\(key).\($0.name)" }
        return (0..<count).map { i in lists.indices.map { RequestCell(field: lists[$0].name, value: lists[$0].values[i], container: containers[$0], row: i, step: .none) } }
    }
}

/// The rows-per-request limit, checked before any row is looked at.
enum RowLimit {
    static func check(_ count: Int, maxRows: Int) throws(ServeFailure) {
        if count > maxRows {
            throw .request("the request has \(count) rows, more than the limit of \(maxRows) (--max-rows); split it", value: "\(count) rows", status: 413)
        }
        if count == 0 { throw .request("the request has no rows", value: "0 rows") }
    }
}
