import Testing
@testable import ShopperCore

/// The two ways into the reader's cell rules: cell by cell (`decode(line:write:)`) and cells
/// already laid out in one buffer (`decode(rows:text:spans:position:)`) give the same sessions
/// and the same issue.
@Suite struct InputCellsDecoderTests {
    static let rows: [[String]] = [
        ["0", "0", "0", "0", "1", "0", "0.2", "0.2", "0", "0", "Feb", "1", "1", "1", "1", "Returning_Visitor", "FALSE"],
        ["3", "64.5", "1", "10", "25", "1082.25", "0.01", "0.03", "12.75", "0.4", "November", "2", "4", "9", "20", "New_Visitor", "true"],
        ["1", "0", "0", "0", "2", "64", "0", "0.1", "0", "0", "mar", "3", "2", "2", "2", "Other", "1"],
    ]

    /// The rows' cells laid out in one buffer in `order` (listed column j is input `order[j]`).
    static func layout(_ rows: [[String]], order: [Int]) -> (text: [UInt8], spans: [InputCellsDecoder.Span], position: [Int]) {
        var text: [UInt8] = []
        var spans: [InputCellsDecoder.Span] = []
        for row in rows {
            for input in order {
                let start = Int32(text.count)
                text.append(contentsOf: row[input].utf8)
                text.append(UInt8(ascii: ","))  // bytes between cells belong to none
                spans.append(InputCellsDecoder.Span(start: start, end: Int32(text.count - 1)))
            }
        }
        var position = [Int](repeating: 0, count: order.count)
        for (j, input) in order.enumerated() { position[input] = j }
        return (text, spans, position)
    }

    static func oneByOne(_ rows: [[String]]) -> ([Session]?, [ValidationIssue]) {
        var decoder = InputCellsDecoder(fileName: "request")
        var sessions: [Session] = []
        for (r, row) in rows.enumerated() {
            guard let session = decoder.decode(line: r, write: { input, out in out.append(contentsOf: row[input].utf8) }) else {
                return (nil, decoder.issues)
            }
            sessions.append(session)
        }
        return (sessions, [])
    }

    static func laidOut(_ rows: [[String]], order: [Int]) -> ([Session]?, [ValidationIssue]) {
        let (text, spans, position) = layout(rows, order: order)
        var decoder = InputCellsDecoder(fileName: "request")
        let sessions = text.withUnsafeBufferPointer { text in
            spans.withUnsafeBufferPointer { decoder.decode(rows: rows.count, text: text, spans: $0, position: position) }
        }
        return (sessions, decoder.issues)
    }

    @Test func laidOutCellsGiveTheSessionsOfCellByCell() throws {
        let expected = try #require(Self.oneByOne(Self.rows).0)
        #expect(expected.count == 3)
        #expect(expected[1].month == .nov && expected[1].weekend && expected[1].visitorType == .new)
        for order in [Array(0..<17), Array((0..<17).reversed()), [16, 3, 0, 9, 12, 1, 5, 14, 2, 7, 10, 4, 15, 6, 11, 8, 13]] {
            let (sessions, issues) = Self.laidOut(Self.rows, order: order)
            #expect(sessions == expected, "order \(order)")
            #expect(issues.isEmpty)
        }
    }

    @Test func aRefusedCellStopsAtItsRowWithTheSameIssue() throws {
        for (column, value) in [(0, "-1"), (4, "2.5"), (10, "Foo"), (6, "1.5"), (16, "yes"), (13, "0"), (1, "")] {
            var rows = Self.rows
            rows[2][column] = value
            let (expected, expectedIssues) = Self.oneByOne(rows)
            #expect(expected == nil)
            let (sessions, issues) = Self.laidOut(rows, order: Array((0..<17).reversed()))
            #expect(sessions == nil, "\(Column.inputs[column].name) = \(value)")
            #expect(issues == expectedIssues)
            #expect(issues.first?.line == 2 && issues.first?.column == Column.inputs[column].name, "\(issues)")
        }
    }

    @Test func spansThatDoNotCoverTheRowsAreRefused() {
        let (text, spans, position) = Self.layout(Self.rows, order: Array(0..<17))
        var decoder = InputCellsDecoder(fileName: "request")
        let sessions = text.withUnsafeBufferPointer { text in
            spans.dropLast().withUnsafeBufferPointer { decoder.decode(rows: 3, text: text, spans: $0, position: position) }
        }
        #expect(sessions == nil)
    }

    @Test func aSpanOutsideTheTextIsRefusedWithoutReadingIt() {
        let (text, laidOut, position) = Self.layout(Self.rows, order: Array(0..<17))
        var spans = laidOut
        for bad in [InputCellsDecoder.Span(start: 0, end: Int32(text.count + 1)), InputCellsDecoder.Span(start: -1, end: 2),
                    InputCellsDecoder.Span(start: 5, end: 4)] {
            spans[17 + 3] = bad
            var decoder = InputCellsDecoder(fileName: "request")
            let sessions = text.withUnsafeBufferPointer { text in
                spans.withUnsafeBufferPointer { decoder.decode(rows: 3, text: text, spans: $0, position: position) }
            }
            #expect(sessions == nil, "\(bad)")
            #expect(decoder.issues.isEmpty)
        }
    }
}
