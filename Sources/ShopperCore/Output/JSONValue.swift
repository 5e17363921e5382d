import Foundation

/// A JSON value with its type kept exactly as written.
///
/// swift-configuration's `JSONSnapshot` cannot be used to check types: it reads `true` as the
/// number 1 (so `"trees": true` trained one tree), drops `null`, and flattens an object into
/// sub-keys (so `"trees": {"x": 1}` left `training.trees` unset and silently defaulted). The
/// configuration file is therefore decoded into this type and every key checked against the type
/// it expects (``SettingsReader``).
package indirect enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let integer = try? container.decode(Int.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses a whole document (`JSONParser`: RFC 8259, nested at most 512 deep).
    package static func parse(_ data: Data) throws -> JSONValue {
        try JSONParser.parse([UInt8](data))
    }

    /// Parses a whole document held in bytes.
    package static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(bytes)
    }

    /// What the type is called in a message.
    package var typeName: String {
        switch self {
        case .null: "JSON null"
        case .bool: "a JSON boolean"
        case .integer, .number: "a JSON number"
        case .string: "a JSON string"
        case .array: "a JSON array"
        case .object: "a JSON object"
        }
    }

    /// Compact JSON text, for messages.
    package var jsonText: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): value.isFinite ? "\(value)" : "null"
        case .string(let value): Self.quoted(value)
        case .array(let values): "[" + values.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let members):
            "{" + members.sorted { $0.key < $1.key }.map { Self.quoted($0.key) + ":" + $0.value.jsonText }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        JSONPolicy.quoted(text)
    }
}

extension JSONParseError: LocalizedError {
    package var errorDescription: String? { description }
}
