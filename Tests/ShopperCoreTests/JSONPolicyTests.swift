import Foundation
import Testing
@testable import ShopperCore

/// The one JSON policy: the bytes it writes, the timestamps, null for non-finite numbers and for
/// `@ExplicitNull` optionals, and the dates it reads back.
@Suite struct JSONPolicyTests {
    struct Figures: Encodable {
        var notANumber: Double
        var infinity: Double
        var negativeInfinity: Double
        var finite: Double
        var text: String
    }

    struct Row: Codable, Equatable {
        var rows: Int
        @ExplicitNull var value: Double?
        var plain: Double?
    }

    struct Dated: Codable, Equatable {
        var at: Date
        var path: String
    }

    @Test func nonFiniteNumbersAreNull() throws {
        let json = try JSONPolicy.text(Figures(notANumber: .nan, infinity: .infinity, negativeInfinity: -.infinity, finite: 0.25, text: "nan"),
                                       form: .compact)
        #expect(json == #"{"finite":0.25,"infinity":null,"negativeInfinity":null,"notANumber":null,"text":"nan"}"#)
    }

    @Test func explicitNullWritesTheKeyAndAMissingKeyReadsAsNil() throws {
        #expect(try JSONPolicy.text(Row(rows: 3, value: nil, plain: nil), form: .compact) == #"{"rows":3,"value":null}"#)
        #expect(try JSONPolicy.text(Row(rows: 3, value: 0.5, plain: 1), form: .compact) == #"{"plain":1,"rows":3,"value":0.5}"#)
        #expect(try JSONPolicy.decode(Row.self, from: Data(#"{"rows":3}"#.utf8)) == Row(rows: 3, value: nil, plain: nil))
        #expect(try JSONPolicy.decode(Row.self, from: Data(#"{"rows":3,"value":0.5}"#.utf8)) == Row(rows: 3, value: 0.5, plain: nil))
    }

    /// The pretty form is byte for byte what the CLI's, model files' and reports' encoders wrote.
    @Test func thePrettyFormIsTheFormerCLIEncoding() throws {
        let value = Dated(at: Date(timeIntervalSince1970: 1_700_000_000), path: "a/b")
        let former = JSONEncoder()
        former.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        former.dateEncodingStrategy = .iso8601
        #expect(try JSONPolicy.encode(value) == (try former.encode(value)))
    }

    /// The one formatter gives what the former four did: `.iso8601` to the second, and the batch
    /// report's `processed_at` to the millisecond.
    @Test func timestampsAreISO8601UTC() {
        let date = Date(timeIntervalSince1970: 1_700_000_000.25)
        #expect(JSONPolicy.timestamp(date) == "2023-11-14T22:13:20Z")
        #expect(JSONPolicy.timestamp(date) == date.formatted(.iso8601))
        #expect(JSONPolicy.timestamp(date, fractionalSeconds: true) == "2023-11-14T22:13:20.250Z")
        #expect(JSONPolicy.timestamp(date, fractionalSeconds: true) == date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon)
                .timeZone(separator: .omitted)))
    }

    /// Dates read back whichever way a release wrote them: ISO 8601 (with or without fractional
    /// seconds) or reference-date seconds (the registry documents).
    @Test func datesDecodeFromEveryFormerForm() throws {
        let second = Date(timeIntervalSince1970: 1_700_000_000)
        for json in [#"{"at":"2023-11-14T22:13:20Z","path":"p"}"#, #"{"at":"2023-11-14T22:13:20.000Z","path":"p"}"#,
                     #"{"at":721692800,"path":"p"}"#] {
            #expect(try JSONPolicy.decode(Dated.self, from: Data(json.utf8)) == Dated(at: second, path: "p"), "\(json)")
        }
        #expect(throws: DecodingError.self) { try JSONPolicy.decode(Dated.self, from: Data(#"{"at":"yesterday","path":"p"}"#.utf8)) }
    }

    /// The registry form keeps reference-date seconds, as plain `JSONEncoder` wrote them.
    @Test func theRegistryFormKeepsReferenceDateSeconds() throws {
        let value = Dated(at: Date(timeIntervalSince1970: 1_700_000_000), path: "p")
        #expect(try JSONPolicy.text(value, form: .registryDocument) == #"{"at":721692800,"path":"p"}"#)
    }

    /// The one escaper for hand-written JSON: what `JSONDecoder` reads back, never a raw line break.
    @Test(arguments: ["plain", "say \"hi\"", "back\\slash", "two\nlines\r\t", "\u{0}\u{1f}\u{7f}", "é → 🛒"])
    func quotedTextReadsBack(text: String) throws {
        let literal = JSONPolicy.quoted(text)
        #expect(!literal.contains("\n") && !literal.contains("\u{7f}"))
        #expect(try JSONDecoder().decode(String.self, from: Data(literal.utf8)) == text)
        #expect(JSONPolicy.quoted("a\u{1}\n\"") == #""a\u0001\n\"""#)
    }

    struct Season: Codable, Equatable {
        @MonthNames var months: [Month]
    }

    @Test func monthsAreWrittenByNameAndReadLeniently() throws {
        #expect(try JSONPolicy.text(Season(months: [.nov, .dec]), form: .compact) == #"{"months":["Nov","Dec"]}"#)
        #expect(try JSONPolicy.decode(Season.self, from: Data(#"{"months":["nov","June","Smarch"]}"#.utf8)).months == [.nov, .jun])
        #expect(try JSONPolicy.decode(Season.self, from: Data("{}".utf8)).months == [])
    }
}
