import Foundation
import ShopperCore
import ShopperML
import Testing
@testable import ShopperServe

/// `DirectRowsReader` (the JSON request read straight into sessions) against the full path
/// (`JSONParser` → `MLflowRequest` → `SessionValidator`) on the bundled data's rows, clean and
/// mutated in every way a client can get a request wrong: whenever the direct reader answers, the
/// full path must accept the same request and give the same sessions; it must answer for the
/// clean forms (else the endpoint silently lost its fast path); and it must leave every request
/// the full path refuses, or reads under its leniencies, to the full path.
@Suite struct DirectRowsReaderTests {
    static let maxRows = 5_000

    /// The bundled file's input cells, row by row (17 texts, in `Column.inputs` order).
    static let rows: [[String]] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try! String(contentsOf: root.appendingPathComponent("data/online_shoppers_intention.csv"), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let order = Column.inputs.map { header.firstIndex(of: $0.name)! }
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return order.map { cells[$0] }
        }
    }()

    /// A cell as a JSON value: quoted for Month and VisitorType, true/false for Weekend.
    static func json(_ text: String, _ column: Column) -> String {
        switch column.kind {
        case .month, .visitorType: "\"\(text)\""
        case .boolean: text == "TRUE" ? "true" : "false"
        default: text
        }
    }

    static func record(_ cells: [String]) -> [(String, String)] {
        Column.inputs.indices.map { (Column.inputs[$0].name, json(cells[$0], Column.inputs[$0])) }
    }

    static func recordsBody(_ records: [[(String, String)]], key: String = "dataframe_records", space: String = "") -> String {
        let objects = records.map { members in
            "{" + members.map { "\(space)\"\($0.0)\"\(space):\(space)\($0.1)" }.joined(separator: ",") + "\(space)}"
        }
        return "{\(space)\"\(key)\"\(space):\(space)[" + objects.joined(separator: ",\(space)") + "]\(space)}"
    }

    static func splitBody(names: [String], rows: [[String]], columnsFirst: Bool = true) -> String {
        let columns = "\"columns\":[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let data = "\"data\":[" + rows.map { "[" + $0.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        return "{\"dataframe_split\":{" + (columnsFirst ? columns + "," + data : data + "," + columns) + "}}"
    }

    enum Outcome: Equatable { case direct, fullPathOnly, refused }

    /// Both readers on `body`; fails the test when the direct reader answers differently from the full path.
    static func compare(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) -> Outcome {
        let bytes = Array(body.utf8)
        let direct = DirectRowsReader.sessions(bytes, maxRows: maxRows)
        let full: [Session]?
        do {
            full = try SessionValidator.sessions(try MLflowRequest.rows(try JSONValue.parse(bytes), maxRows: maxRows))
        } catch {
            full = nil
        }
        if let direct {
            #expect(full == direct, "the direct reader answered what the full path \(full == nil ? "refuses" : "reads otherwise"): \(body.prefix(300))", sourceLocation: sourceLocation)
            return .direct
        }
        return full == nil ? .refused : .fullPathOnly
    }

    @Test func cleanRequestsOfTheBundledDataAreReadDirectlyAndAlike() {
        var generator = SplitMix64(seed: 12)  // seeded: a failure replays
        let rows = Self.rows
        var outcomes: [Outcome: Int] = [:]
        for _ in 0..<300 {
            let count = Int(generator.next() % 20) + 1
            let picked = (0..<count).map { _ in rows[Int(generator.next() % UInt64(rows.count))] }
            // Records, members in a random order, with and without whitespace, under each key.
            let records = picked.map { Self.record($0).shuffled(using: &generator) }
            let key = ["dataframe_records", "instances", "inputs"][Int(generator.next() % 3)]
            let space = ["", " ", "\n\t", "\r\n  "][Int(generator.next() % 4)]
            outcomes[Self.compare(Self.recordsBody(records, key: key, space: space)), default: 0] += 1
            // Split, columns in a random order, before or after the data.
            let order = Array(Column.inputs.indices).shuffled(using: &generator)
            let body = Self.splitBody(names: order.map { Column.inputs[$0].name },
                                      rows: picked.map { cells in order.map { Self.json(cells[$0], Column.inputs[$0]) } },
                                      columnsFirst: generator.next() % 2 == 0)
            outcomes[Self.compare(body), default: 0] += 1
        }
        #expect(outcomes == [.direct: 600])
        // The whole file in one split request: every row of the data, alike.
        let all = Self.splitBody(names: Column.inputs.map(\.name), rows: rows.prefix(Self.maxRows).map { cells in
            Column.inputs.indices.map { Self.json(cells[$0], Column.inputs[$0]) }
        })
        #expect(Self.compare(all) == .direct)
    }

    /// Values the full path accepts in other spellings: the direct reader reads them alike.
    @Test func otherSpellingsOfAcceptedValuesGiveTheSameSessions() {
        let base = Self.record(Self.rows[6])
        let variants: [(String, String)] = [
            ("Weekend", "\"TRUE\""), ("Weekend", "\"FALSE\""), ("Weekend", "0"), ("Weekend", "1"), ("Weekend", "1.0"), ("Weekend", "0e0"),
            ("Administrative", "2.0"), ("Administrative", "2e0"), ("Administrative", "20E-1"), ("Administrative", "-0"),
            ("ProductRelated_Duration", "64.50"), ("ProductRelated_Duration", "6.45e1"), ("ProductRelated_Duration", "6450E-2"),
            ("BounceRates", "0.0"), ("BounceRates", "0.020000000000000001"), ("BounceRates", "2e-2"), ("ExitRates", "1"),
            ("Administrative", "1.0000000000000001"), ("ProductRelated_Duration", "1e-400"), ("PageValues", "12.3456789012345678901234"),
            ("PageValues", "0.000001"), ("ExitRates", "0.99999999999999999"), ("PageValues", "123456789.123456"),
            ("PageValues", "123456789012.5678"), ("PageValues", "999999999999.999"), ("ExitRates", "0.123456789012345"), ("ExitRates", "0.1234567890123456"),
            ("PageValues", "1000"), ("PageValues", "2.505E2"), ("SpecialDay", "0.4"), ("Month", "\"Nov\""), ("VisitorType", "\"New_Visitor\""),
            ("Weekend", "true"), ("Weekend", "false"), ("Weekend", "-0"), ("Weekend", "-0.0"), ("PageValues", "-0"), ("PageValues", "-0.0"),
            ("Administrative", "-0e3"), ("Region", "9"), ("Region", "9.0"), ("ProductRelated", "705"),
            // Whole numbers as pandas and Python write floats: read as sent in decimal columns,
            // rewritten where the rules want a whole number or a boolean.
            ("ProductRelated_Duration", "64.0"), ("SpecialDay", "1.0"), ("ExitRates", "0.000"), ("Region", "3.00"),
            ("Administrative_Duration", "-0.0"), ("PageValues", "12.000000000000000"), ("PageValues", "361.000"),
            ("Weekend", "0.0"), ("ProductRelated", "0.0"), ("Informational", "-0.0"),
        ]
        for (name, value) in variants {
            let record = base.map { $0.0 == name ? ($0.0, value) : $0 }
            #expect(Self.compare(Self.recordsBody([record])) == .direct, "\(name): \(value)")
            // Among clean records, before and after it: texts read in place and rewritten ones side by side.
            #expect(Self.compare(Self.recordsBody([base, record, base, record])) == .direct, "\(name): \(value), four records")
            // In a split, with the columns before the data (their kinds known while reading it) and after.
            for columnsFirst in [true, false] {
                let body = Self.splitBody(names: record.map(\.0), rows: [base.map(\.1), record.map(\.1)], columnsFirst: columnsFirst)
                #expect(Self.compare(body) == .direct, "\(name): \(value), split, columns first: \(columnsFirst)")
            }
        }
    }

    /// Spellings at the edges of the number rules, in every column kind, records and split alike:
    /// whatever the direct reader answers must be what the full path answers (`compare` fails the
    /// test otherwise); which of the two reads them is not asserted.
    @Test func numbersAtTheEdgesNeverReadOtherwise() {
        let base = Self.record(Self.rows[6])
        let spellings = ["1e0", "-1.0", "-64.0", "64.0", "-0", "-0.0", "0e0", "1.0e0", "1234567890123456.0", "123456789012345678",
                         "1234567890123456789", "0.1e1", "10e-1", "1E+0", "5e-324", "1.7976931348623157e308"]
        var outcomes: [Outcome: Int] = [:]
        for name in Column.inputs.map(\.name) where !["Month", "VisitorType"].contains(name) {
            for value in spellings {
                let record = base.map { $0.0 == name ? ($0.0, value) : $0 }
                outcomes[Self.compare(Self.recordsBody([base, record])), default: 0] += 1
                for columnsFirst in [true, false] {
                    let body = Self.splitBody(names: record.map(\.0), rows: [base.map(\.1), record.map(\.1)], columnsFirst: columnsFirst)
                    outcomes[Self.compare(body), default: 0] += 1
                }
            }
        }
        // Both readers met: some read directly, some refused by both.
        #expect((outcomes[.direct] ?? 0) > 0 && (outcomes[.refused] ?? 0) > 0, "\(outcomes)")
    }

    /// Every way to get a request wrong, and the leniencies of the full path: never read directly.
    @Test func everythingElseIsLeftToTheFullPath() {
        let base = Self.record(Self.rows[6])
        func with(_ name: String, _ value: String) -> String { Self.recordsBody([base.map { $0.0 == name ? ($0.0, value) : $0 }]) }
        let good = Self.recordsBody([base])
        let bodies: [String] = [
            // Types and values the rules refuse.
            with("Administrative", "null"), with("Administrative", "\"2\""), with("Administrative", "[2]"), with("Administrative", "{}"),
            with("Administrative", "-1"), with("Administrative", "2.5"), with("BounceRates", "1.5"), with("Month", "\"Foo\""), with("Month", "3"),
            with("Weekend", "2"), with("Weekend", "\"yes\""), with("VisitorType", "true"), with("Region", "0"),
            with("PageValues", "1e400"), with("PageValues", "12345678901234567890"), with("PageValues", "9223372036854775807"),
            with("Administrative", "01"), with("Administrative", "1."), with("Administrative", ".5"), with("Administrative", "+1"),
            with("Administrative", "1e"), with("Administrative", "NaN"), with("Administrative", "tru"),
            // Strings the direct reader does not unescape or decode (the full path may accept them).
            with("Month", "\"N\\u006fv\""), with("Month", "\"Nov\\n\""), with("VisitorType", "\"Returning_Visitor\u{e9}\""), with("Month", "\"Nov"),
            // Columns: case, unknown, label, repeated, missing.
            good.replacingOccurrences(of: "\"Month\"", with: "\"month\""),
            Self.recordsBody([base + [("Extra", "1")]]), Self.recordsBody([base + [("Revenue", "false")]]),
            Self.recordsBody([base + [("Month", "\"Nov\"")]]), Self.recordsBody([Array(base.dropLast())]), Self.recordsBody([[]]),
            // The document: params, another form, empty, trailing commas, truncated, BOM, garbage after.
            good.replacingOccurrences(of: "{\"dataframe_records\"", with: "{\"params\":{},\"dataframe_records\""),
            good.dropLast() + ",\"params\":{}}", "{\"dataframe_records\":[]}", "{\"dataframe_records\":{}}", "{}", "[]", "", " ",
            good.replacingOccurrences(of: "]}", with: ",]}"), good.replacingOccurrences(of: "}]", with: ",}]"), String(good.dropLast(3)),
            "\u{feff}" + good, good + "x", good + "{}", "{\"dataframe_records\":[" + String(repeating: "[", count: 600) + "]}",
            "{\"instances\":{\"Month\":[\"Nov\"]}}", "{\"inputs\":[[1,2,3]]}",
            // Split: index, a column twice, missing, unknown, a short or long row.
            "{\"dataframe_split\":{\"index\":[0]," + Self.splitBody(names: Column.inputs.map(\.name), rows: [base.map(\.1)]).dropFirst(20),
            Self.splitBody(names: Column.inputs.map(\.name).dropLast() + ["Month"], rows: [base.map(\.1)]),
            Self.splitBody(names: Array(Column.inputs.map(\.name).dropLast()), rows: [Array(base.map(\.1).dropLast())]),
            Self.splitBody(names: Column.inputs.map(\.name), rows: [Array(base.map(\.1).dropLast())]),
            Self.splitBody(names: Column.inputs.map(\.name), rows: [base.map(\.1) + ["1"]]),
            Self.splitBody(names: Column.inputs.map(\.name), rows: []),
        ]
        for body in bodies {
            #expect(Self.compare(body) != .direct, "read directly: \(body.prefix(200))")
        }
        // Too many rows: the full path answers 413.
        let many = Self.recordsBody(Array(repeating: base, count: Self.maxRows + 1))
        #expect(DirectRowsReader.sessions(Array(many.utf8), maxRows: Self.maxRows) == nil)
        #expect(DirectRowsReader.sessions(Array(many.utf8), maxRows: Self.maxRows + 1)?.count == Self.maxRows + 1)
    }
}
