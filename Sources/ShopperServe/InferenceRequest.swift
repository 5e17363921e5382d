import ShopperCore

/// The Open Inference Protocol's (KServe v2) request: `{"id": ..., "inputs": [{"name": "Month",
/// "shape": [N], "datatype": "BYTES", "data": [...]}, ...]}`, one input tensor per column, all of
/// the same length N (`[N]` or `[N, 1]`; nested `data` is flattened in row-major order).
package enum InferenceRequest {
    /// The tensor datatype of each input column, as `GET /v2/models/shopperd` lists it.
    package static func datatype(of column: Column) -> String {
        switch column.kind {
        case .pageCount, .code: "INT64"
        case .duration, .unitInterval, .nonNegative: "FP64"
        case .month, .visitorType: "BYTES"
        case .boolean: "BOOL"
        }
    }

    static let numericTypes: Set<String> = ["INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "FP16", "FP32", "FP64"]

    /// The request's `id` (echoed in the answer) and its rows.
    package static func rows(_ json: JSONValue, maxRows: Int) throws(ServeFailure) -> (id: String?, rows: RequestRows) {
        guard case .object(let top) = json, case .array(let inputs)? = top["inputs"] else {
            throw .request("the body must be a JSON object with an inputs list of tensors ({\"name\", \"shape\", \"datatype\", \"data\"})", value: json.typeName)
        }
        var id: String?
        if let value = top["id"] {
            guard case .string(let text) = value else { throw .request("id must be a JSON string", value: value.jsonText) }
            id = text
        }
        var tensors: [(name: String, path: String, data: [JSONValue])] = []
        for (k, input) in inputs.enumerated() {
            tensors.append(try tensor(input, path: "inputs[\(k)]", maxRows: maxRows))
        }
        guard let first = tensors.first else { throw .request("inputs is empty: send one tensor per column", value: "[]") }
        let count = first.data.count
        if let uneven = tensors.first(where: { $0.data.count != count }) {
            throw ServeFailure(issues: [RequestIssue(field: uneven.name, path: uneven.path, value: "\(uneven.data.count) values",
                                                     reason: "every input must hold as many values as the others (\(first.name) has \(count))")])
        }
        try RowLimit.check(count, maxRows: maxRows)
        let containers = tensors.map { "\($0.path).data" }
        let rows = (0..<count).map { i in tensors.indices.map { RequestCell(field: tensors[$0].name, value: tensors[$0].data[i], container: containers[$0], row: i, step: .none) } }
        return (id, rows)
    }

    private static func tensor(_ input: JSONValue, path: String, maxRows: Int) throws(ServeFailure) -> (name: String, path: String, data: [JSONValue]) {
        guard case .object(let members) = input, case .string(let name)? = members["name"], case .string(let datatype)? = members["datatype"],
              case .array(let shape)? = members["shape"], case .array(let nested)? = members["data"]
        else {
            throw ServeFailure(issues: [RequestIssue(field: RequestIssue.requestField, path: path, value: input.typeName,
                                                     reason: "an input tensor is an object with name, shape, datatype (strings/lists) and data")])
        }
        let data = flattened(nested)
        try RowLimit.check(data.count, maxRows: maxRows)
        var size = 1
        for dimension in shape {
            guard case .integer(let extent) = dimension, extent >= 0, extent <= maxRows else {
                throw ServeFailure(issues: [RequestIssue(field: name, path: path + ".shape", value: JSONValue.array(shape).jsonText,
                                                         reason: "shape must list non-negative whole numbers, e.g. [N] or [N, 1]")])
            }
            size *= extent
        }
        guard size == data.count, shape.count >= 1, shape.count <= 2, shape.count == 1 || shape[1] == .integer(1) else {
            throw ServeFailure(issues: [RequestIssue(field: name, path: path + ".shape", value: JSONValue.array(shape).jsonText,
                                                     reason: "shape must be [N] or [N, 1] with N the number of values in data (\(data.count))")])
        }
        if let column = SessionValidator.column(named: name), column != .revenue {
            let expected = Self.datatype(of: column)
            let fits = expected == "BYTES" || expected == "BOOL" ? datatype == expected : numericTypes.contains(datatype)
            if !fits {
                throw ServeFailure(issues: [RequestIssue(field: name, path: path + ".datatype", value: datatype,
                                                         reason: "\(column.name) takes datatype \(expected)")])
            }
        }
        return (name, path, data)
    }

    private static func flattened(_ values: [JSONValue]) -> [JSONValue] {
        values.flatMap { value -> [JSONValue] in
            if case .array(let inner) = value { return flattened(inner) }
            return [value]
        }
    }
}
