import Foundation
import Testing
@testable import ShopperCore

/// `JSONParser` (what `JSONValue.parse` uses) reads what Foundation's `JSONDecoder` read into a
/// `JSONValue` before, the same way, refuses what RFC 8259 refuses, and never crashes on bytes.
@Suite struct JSONParserTests {
    /// Foundation's reading of a document into `JSONValue` (its `Decodable` conformance): the reference.
    private func foundation(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONPolicy.decode(JSONValue.self, from: Data(bytes))
    }

    private func parsed(_ text: String) -> Result<JSONValue, JSONParseError> {
        Result { () throws(JSONParseError) in try JSONParser.parse(Array(text.utf8)) }
    }

    /// Numbers come out as the decoder made them: whole values as `.integer`, beyond `Int` as `.number`.
    @Test(arguments: [
        ("1", JSONValue.integer(1)), ("-0", .integer(0)), ("-0.0", .integer(0)), ("2.0", .integer(2)), ("1e2", .integer(100)),
        ("1.5e1", .integer(15)), ("100e-2", .integer(1)), ("1e-400", .integer(0)), ("0.1", .number(0.1)), ("-1e-2", .number(-0.01)),
        ("9223372036854775807", .integer(Int.max)), ("-9223372036854775808", .integer(Int.min)),
        ("9223372036854775808", .number(9.223372036854775808e18)), ("99999999999999999999", .number(1e20)),
        ("123456789012345678901234567890", .number(1.2345678901234568e29)), ("4.9e-324", .number(Double.leastNonzeroMagnitude)),
        ("1.7976931348623157e308", .number(1.7976931348623157e308)), ("0.30000000000000004", .number(0.30000000000000004)),
    ])
    func numbersReadAsTheDecoderReadThem(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(Array("[\(text)]".utf8)) == .array([expected]))
        #expect(foundation(Array("[\(text)]".utf8)) == .array([expected]), "the reference disagrees on \(text)")
    }

    @Test func stringsAndEscapes() throws {
        let text = #"{"a":"\u00e9\ud83d\ude00\n\t\"\\\/","b":"\u0000","c":"\u007f","d":"Nov"}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value == .object(["a": .string("é😀\n\t\"\\/"), "b": .string("\u{0}"), "c": .string("\u{7F}"), "d": .string("Nov")]))
        #expect(foundation(Array(text.utf8)) == value)
        #expect(try JSONParser.parse(Array("\u{FEFF} [true, false, null] ".utf8)) == .array([.bool(true), .bool(false), .null]))
        #expect(try JSONParser.parse(Array("\"s\"".utf8)) == .string("s"))
    }

    /// Every refusal names a reason and the byte where it was found.
    @Test(arguments: [
        ("", "empty"), (" ", "empty"), ("[1", "unterminated array"), ("{\"a\":1", "unterminated object"), ("[1 2]", "expected ','"),
        ("[1,]", "trailing comma"), ("{\"a\":1,}", "trailing comma"), ("{\"a\":1,\"a\":2}", "given twice"), ("{1:2}", "expected a key"),
        ("[01]", "leading zero"), ("[1.]", "digit after '.'"), ("[.5]", "expected a value"), ("[+1]", "expected a value"), ("[-]", "digit after '-'"),
        ("[1e]", "exponent"), ("[NaN]", "expected a value"), ("[Infinity]", "expected a value"), ("[tru]", "expected a value"),
        ("[1e400]", "beyond the range"), ("[-1e400]", "beyond the range"), ("[1.7976931348623159e308]", "beyond the range"),
        ("[\"\\ud800\"]", "high surrogate"), ("[\"\\udc00\"]", "lone low surrogate"), ("[\"\\ud800\\u0041\"]", "high surrogate"),
        ("[\"\\x\"]", "invalid escape"), ("[\"\\u12\"]", "four hexadecimal"), ("[\"a\tb\"]", "control character"), ("[\"abc", "unterminated string"),
        ("[1] x", "after the end"), ("[1]\u{0}", "after the end"), ("{\"a\" 1}", "expected ':'"),
    ])
    func malformedDocumentsAreRefused(_ text: String, _ reason: String) {
        switch parsed(text) {
        case .success(let value): Issue.record("\(text.debugDescription) read as \(value)")
        case .failure(let error):
            #expect(error.reason.contains(reason), "\(text.debugDescription): \(error)")
            #expect(error.offset >= 0 && error.offset <= text.utf8.count)
        }
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x5B, 0x22, 0xFF, 0x22, 0x5D], [0x5B, 0x22, 0xC3, 0x22, 0x5D], [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D],
                               [0x5B, 0x22, 0x5C, 0x6E, 0xFF, 0x22, 0x5D]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
            #expect(foundation(bytes) == nil)
        }
    }

    /// 512 levels of arrays or objects are read (the decoder's limit); 513 are refused, not a crash.
    @Test func nestingIsBoundedAt512() throws {
        for depth in [512, 513] {
            let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let objects = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
            for text in [arrays, objects] {
                if depth <= JSONParser.maxDepth {
                    #expect(throws: Never.self) { try JSONParser.parse(Array(text.utf8)) }
                } else {
                    #expect(parsed(text).failureReason?.contains("nested more than 512 deep") == true)
                }
            }
        }
        // Far deeper input costs no stack: refused at level 513.
        let hostile = String(repeating: "[", count: 1_000_000)
        #expect(parsed(hostile).failureReason?.contains("nested more than 512 deep") == true)
    }

    /// Seeded mutations of a real request (bytes flipped, inserted, deleted, spliced): the parser
    /// never crashes, and agrees with the decoder — the same value when it accepts, and a refusal
    /// only where the decoder also refuses or where RFC 8259 refuses what the decoder let through
    /// (a trailing comma, a key given twice).
    @Test func mutatedRequestsAgreeWithTheDecoder() throws {
        let seed = Array(#"{"dataframe_records": [{"Administrative": 0, "Administrative_Duration": 0.0, "BounceRates": 0.2, "Month": "Feb", "VisitorType": "Returning_Visitor", "Weekend": false, "Big": 1e300, "Esc": "a\u00e9\"\\b", "L": [1, -2.5e-3, [], {}]}], "params": null}"#.utf8)
        var generator = SplitMix(seed: 20_260_301)
        let alphabet = Array(#"{}[]",:0123456789-+.eE \ntruefalsnul\u"#.utf8) + [0x00, 0xFF, 0xC3, 0x80]
        var accepted = 0
        for _ in 0..<4_000 {
            var bytes = seed
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let at = Int(generator.next() % UInt64(bytes.count + 1))
                switch generator.next() % 4 {
                case 0 where at < bytes.count: bytes[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                case 2 where at < bytes.count: bytes.remove(at: at)
                default: bytes.insert(contentsOf: seed[Int(generator.next() % UInt64(seed.count))...].prefix(12), at: at)
                }
            }
            let reference = foundation(bytes)
            switch Result(catching: { () throws(JSONParseError) in try JSONParser.parse(bytes) }) {
            case .success(let value):
                accepted += 1
                #expect(reference == value, "\(String(decoding: bytes, as: UTF8.self))")
            case .failure(let error):
                let strictOnly = error.reason.contains("trailing comma") || error.reason.contains("given twice")
                #expect(reference == nil || strictOnly, "refused what the decoder read: \(error) in \(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(accepted > 100)
    }
}

private extension Result where Failure == JSONParseError {
    init(catching body: () throws(JSONParseError) -> Success) {
        do { self = .success(try body()) } catch { self = .failure(error) }
    }

    var failureReason: String? {
        if case .failure(let error) = self { error.reason } else { nil }
    }
}

/// A small seeded generator, so a failing mutation can be replayed.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
