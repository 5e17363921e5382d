/// Months written in JSON by name (`["Nov", "Dec"]`) rather than by number, for people reading
/// reports and `--format json`; read back leniently (`Month(parsing:)`, unknown names dropped),
/// and a missing key reads as no month.
@propertyWrapper
package struct MonthNames: Sendable, Hashable, Codable {
    package var wrappedValue: [Month]

    package init(wrappedValue: [Month]) {
        self.wrappedValue = wrappedValue
    }

    package init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode([String].self).compactMap { Month(parsing: $0) }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.map(\.name))
    }
}

extension KeyedDecodingContainer {
    /// A missing key is no month, not an error.
    package func decode(_ type: MonthNames.Type, forKey key: Key) throws -> MonthNames {
        try decodeIfPresent(type, forKey: key) ?? MonthNames(wrappedValue: [])
    }
}
