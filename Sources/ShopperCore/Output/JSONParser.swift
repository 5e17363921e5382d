#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a JSON document (RFC 8259, strictly) into a `JSONValue`, byte by byte.
///
/// What it accepts and how numbers come out is what Foundation's `JSONDecoder` gave `JSONValue`
/// before (it replaced that decoder: a scoring request spent most of its time there), except that
/// the two leniencies RFC 8259 does not allow are refused: a trailing comma (`[1,]`) and a key
/// given twice in one object (the decoder kept the first silently).
///
/// - Whitespace is space, tab, LF and CR; one UTF-8 byte-order mark may open the document.
/// - Strings must be valid UTF-8 without raw control characters; `\u` escapes must pair their
///   surrogates.
/// - A number without fraction or exponent that fits in an `Int` is `.integer`; any other number
///   whose value is a whole number within `Int`'s range is `.integer` too (`2.0`, `1e2`), as the
///   decoder made it; the rest is `.number`. A number beyond a Double's range (`1e400`) is refused.
/// - Arrays and objects nest at most `maxDepth` deep.
package enum JSONParser {
    /// The deepest nesting of arrays and objects read (the decoder's limit).
    package static let maxDepth = 512

    /// Parses a whole document.
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw JSONParseError(offset: 0, reason: "the document is empty") }
        var reader = Reader(p: base, n: bytes.count)
        if reader.n >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { reader.i = 3 }
        reader.skipSpace()
        if reader.i == reader.n { throw JSONParseError(offset: reader.i, reason: "the document is empty") }
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        if reader.i != reader.n { throw reader.fail("text after the end of the document") }
        return value
    }

    /// Parses a whole document held in an array.
    package static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try parse(buffer) }
    }

    /// The byte cursor; `package` so that a reader of one known document shape
    /// (ShopperServe's `DirectRowsReader`) takes its literals and whitespace from here (its numbers
    /// it scans itself: see `DirectRowsReader.Reader.number`).
    package struct Reader {
        package let p: UnsafePointer<UInt8>
        package let n: Int
        package var i = 0

        package init(p: UnsafePointer<UInt8>, n: Int) {
            self.p = p
            self.n = n
        }

        func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

        @inline(__always)
        package mutating func skipSpace() {
            while i < n {
                let c = p[i]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
            }
        }

        /// What stands at `i` for a message: the character, or "the end of the document".
        func found() -> String {
            guard i < n else { return "the end of the document" }
            let c = p[i]
            if c >= 0x21 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
            return "byte 0x" + (c < 16 ? "0" : "") + String(c, radix: 16)
        }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard i < n else { throw fail("expected a value, found the end of the document") }
            switch p[i] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("expected a value, found \(found())")
            }
        }

        package mutating func literal(_ word: StaticString) throws(JSONParseError) {
            let length = word.utf8CodeUnitCount
            guard n - i >= length, memcmp(p + i, word.utf8Start, length) == 0 else {
                throw fail("expected a value, found \(found())")
            }
            i += length
        }

        mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
            if depth > JSONParser.maxDepth { throw fail("nested more than \(JSONParser.maxDepth) deep") }
            i += 1
            var values: [JSONValue] = []
            skipSpace()
            if i < n && p[i] == UInt8(ascii: "]") {
                i += 1
                return .array(values)
            }
            while true {
                skipSpace()
                if i < n && p[i] == UInt8(ascii: "]") { throw fail("a trailing comma before ']'") }
                values.append(try value(depth: depth))
                skipSpace()
                guard i < n else { throw fail("an unterminated array: expected ',' or ']', found the end of the document") }
                switch p[i] {
                case UInt8(ascii: ","): i += 1
                case UInt8(ascii: "]"):
                    i += 1
                    return .array(values)
                default: throw fail("expected ',' or ']' in an array, found \(found())")
                }
            }
        }

        mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
            if depth > JSONParser.maxDepth { throw fail("nested more than \(JSONParser.maxDepth) deep") }
            i += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if i < n && p[i] == UInt8(ascii: "}") {
                i += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard i < n, p[i] == UInt8(ascii: "\"") else {
                    if i < n && p[i] == UInt8(ascii: "}") { throw fail("a trailing comma before '}'") }
                    throw fail("expected a key (a JSON string) in an object, found \(found())")
                }
                let keyStart = i
                let key = try string()
                skipSpace()
                guard i < n, p[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key, found \(found())") }
                i += 1
                skipSpace()
                let member = try value(depth: depth)
                if members.updateValue(member, forKey: key) != nil {
                    throw JSONParseError(offset: keyStart, reason: "the key \(JSONPolicy.quoted(key)) is given twice in one object")
                }
                skipSpace()
                guard i < n else { throw fail("an unterminated object: expected ',' or '}', found the end of the document") }
                switch p[i] {
                case UInt8(ascii: ","): i += 1
                case UInt8(ascii: "}"):
                    i += 1
                    return .object(members)
                default: throw fail("expected ',' or '}' in an object, found \(found())")
                }
            }
        }

        /// A string literal starting at the quote at `i`.
        mutating func string() throws(JSONParseError) -> String {
            let opening = i
            i += 1
            let start = i
            // Fast path: no escape; bytes are checked as UTF-8 once, when the String is made.
            while i < n {
                let c = p[i]
                if c == UInt8(ascii: "\"") {
                    let bytes = UnsafeBufferPointer(start: p + start, count: i - start)
                    i += 1
                    guard let text = String(validating: bytes, as: UTF8.self) else {
                        throw JSONParseError(offset: start, reason: "a string that is not valid UTF-8")
                    }
                    return text
                }
                if c == UInt8(ascii: "\\") { break }
                if c < 0x20 { throw fail("a raw control character (byte 0x\(c < 16 ? "0" : "")\(String(c, radix: 16))) in a string: escape it") }
                i += 1
            }
            guard i < n else { throw JSONParseError(offset: opening, reason: "an unterminated string") }
            var out = Array(UnsafeBufferPointer(start: p + start, count: i - start))
            while i < n {
                let c = p[i]
                switch c {
                case UInt8(ascii: "\""):
                    i += 1
                    guard let text = String(validating: out, as: UTF8.self) else {
                        throw JSONParseError(offset: start, reason: "a string that is not valid UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    i += 1
                    guard i < n else { break }
                    let e = p[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if scalar >= 0xD800 && scalar < 0xDC00 {
                            guard n - i >= 2, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                                throw fail("a \\u escape of a high surrogate not followed by a low one")
                            }
                            i += 2
                            let low = try hex4()
                            guard low >= 0xDC00 && low < 0xE000 else { throw fail("a \\u escape of a high surrogate not followed by a low one") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if scalar >= 0xDC00 && scalar < 0xE000 {
                            throw fail("a \\u escape of a lone low surrogate")
                        }
                        // Not a surrogate here, so always a valid scalar.
                        out.append(contentsOf: Unicode.Scalar(scalar)!.utf8)
                    default:
                        i -= 1
                        throw fail("an invalid escape in a string (after the backslash: \(found()))")
                    }
                default:
                    if c < 0x20 { throw fail("a raw control character (byte 0x\(c < 16 ? "0" : "")\(String(c, radix: 16))) in a string: escape it") }
                    out.append(c)
                    i += 1
                }
            }
            throw JSONParseError(offset: opening, reason: "an unterminated string")
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard n - i >= 4 else { throw fail("a \\u escape needs four hexadecimal digits") }
            var value: UInt32 = 0
            for k in 0..<4 {
                let c = p[i + k]
                let digit: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
                default: throw fail("a \\u escape needs four hexadecimal digits")
                }
                value = value << 4 | UInt32(digit)
            }
            i += 4
            return value
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func number() throws(JSONParseError) -> JSONValue {
            let start = i
            let negative = p[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            guard i < n, p[i] &- UInt8(ascii: "0") <= 9 else { throw fail("a number needs a digit after '-'") }
            var magnitude: UInt64 = 0
            var overflow = false
            if p[i] == UInt8(ascii: "0") {
                i += 1
                if i < n && p[i] &- UInt8(ascii: "0") <= 9 { throw fail("a number cannot have a leading zero") }
            } else {
                while i < n {
                    let d = p[i] &- UInt8(ascii: "0")
                    if d > 9 { break }
                    let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(UInt64(d))
                    if o1 || o2 { overflow = true } else { magnitude = sum }
                    i += 1
                }
            }
            var whole = true
            if i < n && p[i] == UInt8(ascii: ".") {
                whole = false
                i += 1
                let digits = i
                while i < n && p[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
                if i == digits { throw fail("a number needs a digit after '.'") }
            }
            if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
                whole = false
                i += 1
                if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
                let digits = i
                while i < n && p[i] &- UInt8(ascii: "0") <= 9 { i += 1 }
                if i == digits { throw fail("a number needs a digit in its exponent") }
            }
            if whole && !overflow {
                if !negative && magnitude <= UInt64(Int.max) { return .integer(Int(magnitude)) }
                if negative && magnitude <= UInt64(Int.max) + 1 { return .integer(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)) }
            }
            switch NumberParser.parseDecimal(UnsafeBufferPointer(start: p + start, count: i - start)) {
            case .value(let value):
                if let integer = Int(exactly: value) { return .integer(integer) }
                return .number(value)
            case .infinite, .invalid:
                throw JSONParseError(offset: start, reason: "a number beyond the range of a double")
            }
        }
    }
}

/// Why a JSON document cannot be read, and where (a byte offset from 0).
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    package var offset: Int
    package var reason: String

    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    package var description: String { "\(reason) (at byte \(offset))" }
}
