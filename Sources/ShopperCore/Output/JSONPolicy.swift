import Foundation

/// shopperd's one JSON policy: every document it writes — reports, model files, registry
/// documents, store columns, CLI output, MLflow requests — goes through `encode`, and every
/// document it reads through `decode`.
///
/// - Keys are sorted, so the same content gives the same bytes; `/` is not escaped.
/// - Keys are the ones a type declares (its `CodingKeys`, snake_case wherever an operator reads
///   them). `KeyStyle.snakeCase` is for output that embeds ShopperML's types, whose declared keys
///   are the camelCase of the model file format: shown to an operator, they read snake_case too.
/// - Timestamps are ISO 8601 in UTC (`timestamp(_:)`), to the second unless asked otherwise.
/// - Non-finite numbers (NaN, ±infinity) are written as `null`: JSON has no literal for them,
///   and a reader tells "undefined" by the null, as for any other missing figure.
/// - Optionals that must appear as `null` rather than be left out are declared `@ExplicitNull`.
package enum JSONPolicy {
    /// How a document is laid out.
    package enum Form: Sendable {
        /// Indented, for files and terminal output an operator reads.
        case pretty
        /// One line, for documents stored in the database or sent over the network.
        case compact
        /// One line, dates as Foundation's reference-date seconds: the registry documents
        /// (`params`, `metrics`, `importances`) as stored since the first release. The stored
        /// bytes are also MLflow artifacts and are read by every release, so their format is frozen.
        case registryDocument
    }

    /// How keys are named.
    package enum KeyStyle: Sendable {
        /// As the type declares them.
        case declared
        /// Declared camelCase converted to snake_case (`rocAUC` → `roc_auc`); keys already
        /// snake_case stay as they are.
        case snakeCase
    }

    /// `value` as JSON, by the policy.
    package static func encode(_ value: some Encodable, form: Form = .pretty, keys: KeyStyle = .declared) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = form == .pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        if keys == .snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        if form != .registryDocument {
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(timestamp(date))
            }
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: NonFinite.marker, negativeInfinity: NonFinite.marker, nan: NonFinite.marker)
        return NonFinite.nulled(try encoder.encode(value))
    }

    /// `value` as JSON text, by the policy.
    package static func text(_ value: some Encodable, form: Form = .pretty, keys: KeyStyle = .declared) throws -> String {
        String(decoding: try encode(value, form: form, keys: keys), as: UTF8.self)
    }

    /// A `T` from JSON written by this or any earlier release: dates may be ISO 8601 text (with or
    /// without fractional seconds) or reference-date seconds (registry documents).
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) { return Date(timeIntervalSinceReferenceDate: seconds) }
            let text = try container.decode(String.self)
            guard let date = date(parsing: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 timestamp: \(text)")
            }
            return date
        }
        return try decoder.decode(type, from: data)
    }

    /// `2026-03-01T12:00:00Z`, or `2026-03-01T12:00:00.250Z` with `fractionalSeconds`: the one
    /// timestamp format of every document and terminal line.
    package static func timestamp(_ date: Date, fractionalSeconds: Bool = false) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: fractionalSeconds))
    }

    /// The date an ISO 8601 timestamp (as `timestamp` writes it) names; nil for other text.
    package static func date(parsing text: String) -> Date? {
        (try? Date.ISO8601FormatStyle().parse(text)) ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
    }
}

/// Non-finite numbers become `null`: JSONEncoder can only write them as strings, so it writes a
/// marker string, which is then replaced. The marker is framed by a private-use character
/// (U+F8FF), which JSONEncoder does not escape and no shopperd value holds.
private enum NonFinite {
    static let marker = "\u{F8FF}shopperd-non-finite\u{F8FF}"

    /// Made per call, not held in a global: a global `Data` keeps its buffer behind a pointer
    /// LeakSanitizer cannot see, so every fuzz run reported it as a leak.
    static func nulled(_ data: Data) -> Data {
        let encodedMarker = Data(("\"" + marker + "\"").utf8)
        guard data.range(of: encodedMarker) != nil else { return data }
        var result = Data()
        result.reserveCapacity(data.count)
        var rest = data[...]
        while let found = rest.range(of: encodedMarker) {
            result.append(rest[rest.startIndex..<found.lowerBound])
            result.append(contentsOf: "null".utf8)
            rest = rest[found.upperBound...]
        }
        result.append(rest)
        return result
    }
}
