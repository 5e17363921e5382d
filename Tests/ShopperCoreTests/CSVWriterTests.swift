import ShopperInbox
import Testing
@testable import ShopperCore

/// The shared CSV writer: RFC 4180 quoting and neutralised spreadsheet formulas.
@Suite struct CSVWriterTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ("", ""),
    ])
    func escapesTextCells(cell: String, expected: String) {
        #expect(CSVWriter.escape(cell) == expected)
    }

    @Test func numbersAreNotNeutralised() {
        var writer = CSVWriter()
        writer.writeRow([.double(-0.5), .int(-3), .text("-3"), .double(64), .double(2.666666667)])
        #expect(writer.text == "-0.5,-3,'-3,64,2.666666667\n")
    }

    @Test func numberFormatRoundTrips() {
        for value in [0.1, 1e-7, 123456.789, 1e300, 2.666666667, 0.0, Double.leastNonzeroMagnitude] {
            #expect(Double(CSVWriter.number(value)) == value)
        }
        #expect(CSVWriter.number(12) == "12")
    }

    @Test func sessionCSVRoundTripsTheBundledData() throws {
        let batch = try BatchReader().read(contentsOf: Fixtures.bundledData)
        let text = SessionCSV.encode(batch.sessions, labelled: true)
        let again = try Fixtures.read(text)
        #expect(again.sessions == batch.sessions)
        let unlabelled = try Fixtures.read(SessionCSV.encode(Array(batch.sessions.prefix(10)), labelled: false))
        #expect(!unlabelled.isLabelled)
        #expect(unlabelled.sessions.map(\.month) == batch.sessions.prefix(10).map(\.month))
    }
}
