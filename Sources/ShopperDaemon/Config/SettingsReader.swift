/// Typed reads of the merged settings, the one place where every value is checked, whatever its
/// source: text from `--set` or `SHOPPERD_*` is parsed; a JSON value from the file must have the
/// JSON type the key expects (a number for a number, a string for a choice or a path). Anything
/// else stops the start (or the reload) with ``ConfigurationError/invalidValue(key:value:expected:)``:
/// no value is coerced (`true` is not 1) and none falls back to its default. Every source's value
/// is checked, also one that a higher source overrides; the one in force is returned.
struct SettingsReader {
    let layers: SettingLayers

    /// Parses each of `key`'s values with `parse` (`nil`: invalid) and returns the one in force.
    private func read<T>(_ key: String, expected: String, _ parse: (SettingValue.Content) -> T?) throws(ConfigurationError) -> T? {
        var inForce: T?
        for value in layers.all(key) {
            guard let parsed = parse(value.content) else { throw .invalidValue(key: key, value: value, expected: expected) }
            if inForce == nil { inForce = parsed }
        }
        return inForce
    }

    /// A string setting (a path, a program, a choice), or `nil` when unset.
    func string(_ key: String) throws(ConfigurationError) -> String? {
        try read(key, expected: "a string") { content in
            switch content {
            case .text(let text), .json(.string(let text)): text
            case .json: nil
            }
        }
    }

    /// An integer in `range`.
    func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let expected = "an integer in \(range.lowerBound)...\(range.upperBound == Int.max ? "∞" : String(range.upperBound))"
        return try read(key, expected: expected) { content -> Int? in
            let parsed: Int? = switch content {
            case .text(let text): Int(text)
            case .json(.integer(let number)): number
            case .json(.number(let number)): Int(exactly: number)
            case .json: nil
            }
            return parsed.flatMap { range.contains($0) ? $0 : nil }
        } ?? fallback
    }

    /// A finite number, checked by `accepts` (whose description is `expected`).
    func number(_ key: String, expected: String, accepts: (Double) -> Bool) throws(ConfigurationError) -> Double? {
        try read(key, expected: expected) { content -> Double? in
            let parsed: Double? = switch content {
            case .text(let text): Double(text)
            case .json(.integer(let number)): Double(number)
            case .json(.number(let number)): number
            case .json: nil
            }
            return parsed.flatMap { $0.isFinite && accepts($0) ? $0 : nil }
        }
    }

    /// A number strictly inside `range`.
    func number(_ key: String, default fallback: Double, open range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        try number(key, expected: "a number strictly between \(Self.show(range.lowerBound)) and \(Self.show(range.upperBound))") {
            $0 > range.lowerBound && $0 < range.upperBound
        } ?? fallback
    }

    /// A number in `range`, bounds included.
    func number(_ key: String, default fallback: Double, closed range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        try number(key, expected: "a number in [\(Self.show(range.lowerBound)), \(Self.show(range.upperBound))]") { range.contains($0) }
            ?? fallback
    }

    /// A positive number of seconds (fractions allowed), as a duration.
    func seconds(_ key: String, default fallback: Duration) throws(ConfigurationError) -> Duration {
        guard let seconds = try number(key, expected: "a positive number of seconds", accepts: { $0 > 0 }) else { return fallback }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// One of `T`'s raw values.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T) throws(ConfigurationError) -> T
    where T.RawValue == String {
        try choice(key, default: fallback, T.allCases.map { ($0.rawValue, $0) })
    }

    /// One of `options`' names.
    func choice<T>(_ key: String, default fallback: T, _ options: [(String, T)]) throws(ConfigurationError) -> T {
        try read(key, expected: "one of " + options.map(\.0).joined(separator: ", ")) { content -> T? in
            guard case .text(let text) = content.asText else { return nil }
            return options.first { $0.0 == text }?.1
        } ?? fallback
    }

    /// `0.05` rather than `0.05000`, `1` rather than `1.0`.
    static func show(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : "\(number)"
    }
}

extension SettingValue.Content {
    /// A JSON string read as text; any other JSON value stays as it is.
    var asText: SettingValue.Content {
        if case .json(.string(let text)) = self { return .text(text) }
        return self
    }
}
