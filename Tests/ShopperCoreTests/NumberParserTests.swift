import Foundation
import Testing
@testable import ShopperCore

/// The number parser must give exactly the Double the C library's correctly rounded conversion
/// gives (Swift's `Double(String)`), on both its fast and slow paths, and refuse non-CSV spellings.
@Suite struct NumberParserTests {
    @Test(arguments: [
        "0", "1", "0.2", "0.1", "2.666666667", "64", "1e22", "1e23", "123456789012345", "9007199254740992",
        "9007199254740993", "0.30000000000000004", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
        "5e-324", "1E5", "1.5e+3", "-0.5", "+0.5", ".5", "5.", "0000.000100", "12345678901234567890123",
        "0.000175593", "3.14159265358979323846264338327950288", "1e-400",
    ])
    func exactLikeTheCLibrary(text: String) throws {
        let expected = try #require(Double(text))
        guard case .value(let parsed) = NumberParser.parseDecimal(text) else {
            Issue.record("\(text) did not parse")
            return
        }
        #expect(parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) vs \(expected)")
    }

    /// Random literals of every length class: the fast path (≤ 15 digits, small exponent) and the
    /// `strtod` fallback must agree with `Double(String)` bit for bit.
    @Test func randomLiteralsMatchBitForBit() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let digits = Int(generator.next() % 22) + 1
            var text = ""
            for _ in 0..<digits { text.append(Character(String(generator.next() % 10))) }
            let point = Int(generator.next() % UInt64(digits + 1))
            text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            if generator.next() % 3 == 0 { text += "e" + String(Int(generator.next() % 60) - 30) }
            if text == "." { continue }
            let expected = Double(text)!
            guard case .value(let parsed) = NumberParser.parseDecimal(text) else {
                Issue.record("\(text) did not parse")
                continue
            }
            #expect(parsed.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    @Test(arguments: ["", "-", "+", ".", "e5", "1e", "1e+", "0x10", "nan", "NaN", "inf", "-inf", "Infinity",
                      "1,5", " 1", "1 ", "1..2", "1e5.5", "1.2.3", "--1", "1-", "١٢"])
    func refusesNonNumbers(text: String) {
        #expect(NumberParser.parseDecimal(text) == .invalid)
    }

    @Test func overflowIsInfinite() {
        #expect(NumberParser.parseDecimal("1e309") == .infinite)
        #expect(NumberParser.parseDecimal("-1e400") == .infinite)
    }

    @Test func integers() {
        #expect(NumberParser.parseInteger("0") == .value(0))
        #expect(NumberParser.parseInteger("007") == .value(7))
        #expect(NumberParser.parseInteger("-3") == .value(-3))
        #expect(NumberParser.parseInteger("9223372036854775807") == .value(Int.max))
        #expect(NumberParser.parseInteger("9223372036854775808") == .outOfRange)
        for bad in ["", "-", "1.0", "1e3", "abc", " 1", "0x1"] {
            #expect(NumberParser.parseInteger(bad) == .invalid, "\(bad)")
        }
    }
}
