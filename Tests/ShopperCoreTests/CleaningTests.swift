import ShopperInbox
import Testing
@testable import ShopperCore

/// Silver cleaning rules: duplicates flagged (not dropped), one spelling of each value.
@Suite struct CleaningTests {
    @Test func bundledDuplicatesAreFlaggedNotDropped() throws {
        let batch = try BatchReader().read(contentsOf: Fixtures.bundledData)
        #expect(batch.sessions.count == 12_330)
        #expect(batch.duplicateCount == 125)
        // Independent oracle: a dictionary of first lines.
        var first: [Session: Int] = [:]
        for (session, line) in zip(batch.sessions, batch.lines) where first[session] == nil { first[session] = line }
        for index in batch.sessions.indices {
            let expected = first[batch.sessions[index]]!
            #expect(batch.duplicateOfLine[index] == (expected == batch.lines[index] ? nil : expected))
        }
    }

    /// Past 16,384 rows the finder partitions; the oracle must still agree.
    @Test func partitionedFinderAgreesWithADictionary() throws {
        let source = try BatchReader().read(contentsOf: Fixtures.bundledData).sessions
        var generator = SplitMix64(seed: 5)
        var sessions: [Session] = []
        for _ in 0..<40_000 {
            var session = source[Int(generator.next() % UInt64(source.count))]
            session.productRelatedDuration += Double(generator.next() % 3)
            sessions.append(session)
        }
        let lines = sessions.indices.map { $0 * 2 + 2 }
        let flags = DuplicateFinder.duplicateOfLine(sessions: sessions, lines: lines)
        var first: [Session: Int] = [:]
        var expected: [Int?] = []
        for (session, line) in zip(sessions, lines) {
            if let earlier = first[session] { expected.append(earlier) } else { first[session] = line; expected.append(nil) }
        }
        #expect(flags == expected)
        #expect(flags.contains { $0 != nil })
    }

    @Test func normalisedSpellingsMakeDuplicates() throws {
        let a = Fixtures.row([.month: "Feb", .weekend: "FALSE", .visitorType: "Returning_Visitor", .exitRates: "0.2"])
        let b = Fixtures.row([.month: "february", .weekend: "0", .visitorType: "returning_visitor", .exitRates: "2e-1"])
        let batch = try Fixtures.read(Fixtures.file([a, b]))
        #expect(batch.duplicateOfLine == [nil, 2])
        #expect(batch.rawRecord(at: 1) == b)  // bronze keeps what was written
    }

    @Test func negativeZeroBecomesZero() throws {
        let batch = try Fixtures.read(Fixtures.file([Fixtures.row([.pageValues: "-0", .bounceRates: "-0.0"])]))
        #expect(batch.sessions[0].pageValues.sign == .plus)
        #expect(batch.sessions[0].bounceRates.sign == .plus)
    }

    @Test func byteMatchersAgreeWithStringParsers() {
        var spellings = Month.shortNames + Month.fullNames + ["sept", "Sept", "SEPT", "Ju", "Juni", "Febr", "", "13", "MAYY"]
        spellings += spellings.map { $0.uppercased() } + spellings.map { $0.lowercased() }
        for text in spellings {
            var copy = text
            let fromBytes = copy.withUTF8 { Month(utf8: $0) }
            #expect(fromBytes == Month(parsing: text), "\(text)")
        }
        for bytes: [UInt8] in [[0x6A, 0x61, 0x6E, 0], [0x66, 0x65, 0x62, 0, 0], [0, 0x6A, 0x61, 0x6E]] {
            #expect(bytes.withUnsafeBufferPointer { Month(utf8: $0) } == nil)
        }
        for text in ["Returning_Visitor", "RETURNING_VISITOR", "new_visitor", "Other", "other", "Returning", "", "Others"] {
            var copy = text
            #expect(copy.withUTF8 { VisitorType(utf8: $0) } == VisitorType(parsing: text), "\(text)")
        }
    }
}
