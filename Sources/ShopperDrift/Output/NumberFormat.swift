#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// printf-style formatting for the text and HTML reports (FoundationEssentials has no
/// `String(format:)`).
package enum NumberFormat {
    package static func c(_ format: String, _ arguments: CVarArg...) -> String {
        withVaList(arguments) { list in
            var buffer = [CChar](repeating: 0, count: 64)
            let needed = Int(vsnprintf(&buffer, buffer.count, format, list))
            if needed >= buffer.count {
                buffer = [CChar](repeating: 0, count: needed + 1)
                return withVaList(arguments) { again in
                    _ = vsnprintf(&buffer, buffer.count, format, again)
                    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// A p-value people can read: `0.0312`, `4.98e-58`, `< 1e-300` for 0.
    package static func pValue(_ p: Double) -> String {
        if p == 0 { return "< 1e-300" }
        if p >= 0.001 { return c("%.4f", p) }
        return c("%.3g", p)
    }

    /// A statistic: four significant digits.
    package static func statistic(_ value: Double) -> String {
        abs(value) >= 1e5 || (value != 0 && abs(value) < 1e-3) ? c("%.3e", value) : c("%.4g", value)
    }

    /// An axis label: `0`, `2.5`, `1k`, `12k`, `1.2M`.
    static func axis(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return c("%gM", value / 1e6) }
        if magnitude >= 1e4 { return c("%gk", value / 1e3) }
        return c("%g", value)
    }
}
