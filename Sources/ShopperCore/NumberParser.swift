#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact decimal and integer parsing straight from CSV bytes.
///
/// Why not `Double(String)`: it needs a String per cell, which is most of the cost of reading a
/// large batch. Why not plain `strtod`: it needs a NUL-terminated copy and accepts far more than a
/// CSV number should (`inf`, `nan`, hex floats, leading blanks). So we check the grammar ourselves
/// and convert with Clinger's fast path, which is exact when the significand has at most 15–16
/// digits (it fits in 2^53) and the power of ten is at most 22 (10^22 is exact in a Double): one
/// correctly rounded IEEE multiplication or division then gives the correctly rounded result. Every
/// other case (more digits, large exponents) falls back to the C library's correctly rounded
/// `strtod` on a small stack copy, so the result is always the nearest Double, bit for bit what
/// `Double("…")` gives.
package enum NumberParser {
    /// The outcome of parsing a decimal number.
    package enum DecimalResult: Equatable, Sendable {
        case value(Double)
        /// Not a decimal number (`abc`, `1,5`, `0x10`, `nan`, `inf`, empty).
        case invalid
        /// Well formed, but too large for a Double (`1e999`).
        case infinite
    }

    /// The outcome of parsing an integer.
    package enum IntegerResult: Equatable, Sendable {
        case value(Int)
        /// Not an integer literal (`1.5`, `abc`, empty).
        case invalid
        /// An integer literal too large for 64 bits.
        case outOfRange
    }

    /// 10^exponent for 0 ≤ exponent ≤ 22, all exact in a Double. A switch over literals compiles to
    /// a constant table: no lazy global, no bounds check in the hot path.
    @inline(__always)
    static func exactPowerOfTen(_ exponent: Int) -> Double {
        switch exponent {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// An optional leading sign: whether it is `-`, and where the digits start.
    private static func sign(_ first: UInt8) -> (negative: Bool, start: Int) {
        switch first {
        case UInt8(ascii: "-"): (true, 1)
        case UInt8(ascii: "+"): (false, 1)
        default: (false, 0)
        }
    }

    /// Parses `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` exactly.
    package static func parseDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> DecimalResult {
        let n = bytes.count
        guard n > 0, let p = bytes.baseAddress else { return .invalid }
        let (negative, start) = sign(p[0])
        var i = start
        // Every digit goes into the significand; it is exact while there are at most 19 digits
        // (10^19 < 2^64), which covers nearly every cell. Longer literals go to `strtod`.
        var mantissa: UInt64 = 0
        let integerStart = i
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i += 1
        }
        var digits = i - integerStart
        var fractionDigits = 0
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < n {
                let d = p[i] &- UInt8(ascii: "0")
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                i += 1
            }
            fractionDigits = i - fractionStart
            digits += fractionDigits
        }
        guard digits > 0 else { return .invalid }
        var exponent = 0
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            var exponentNegative = false
            if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
                exponentNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            let exponentStart = i
            while i < n {
                let d = p[i] &- UInt8(ascii: "0")
                if d > 9 { break }
                if written < 100_000 { written = written * 10 + Int(d) }
                i += 1
            }
            guard i > exponentStart else { return .invalid }
            exponent = exponentNegative ? -written : written
        }
        guard i == n else { return .invalid }
        if digits <= 19 {
            if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
            let power = exponent - fractionDigits
            if mantissa <= 1 << 53 && power >= -22 && power <= 22 {
                let magnitude = Double(mantissa)
                let value = power >= 0 ? magnitude * exactPowerOfTen(power) : magnitude / exactPowerOfTen(-power)
                return .value(negative ? -value : value)
            }
        }
        return slowPath(p, n)
    }

    /// The exact fallback: the C library's `strtod` on a NUL-terminated copy of a literal whose
    /// grammar we already checked (so `strtod` cannot see `inf`, `nan` or hex).
    private static func slowPath(_ p: UnsafePointer<UInt8>, _ n: Int) -> DecimalResult {
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buffer -> Double in
            for j in 0..<n { buffer[j] = CChar(bitPattern: p[j]) }
            buffer[n] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return value.isFinite ? .value(value) : .infinite
    }

    /// Parses `[+-]? digits` into an Int.
    package static func parseInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> IntegerResult {
        let n = bytes.count
        guard n > 0, let p = bytes.baseAddress else { return .invalid }
        let (negative, start) = sign(p[0])
        var i = start
        guard i < n else { return .invalid }
        var value = 0
        var overflow = false
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            guard d <= 9 else { return .invalid }
            if !overflow {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(d))
                if o1 || o2 { overflow = true } else { value = sum }
            }
            i += 1
        }
        if overflow { return .outOfRange }
        return .value(negative ? -value : value)
    }

    /// Convenience for tests and callers holding text.
    package static func parseDecimal(_ text: String) -> DecimalResult {
        var copy = text
        return copy.withUTF8 { parseDecimal($0) }
    }

    /// Convenience for tests and callers holding text.
    package static func parseInteger(_ text: String) -> IntegerResult {
        var copy = text
        return copy.withUTF8 { parseInteger($0) }
    }
}
