import ShopperInbox
import Foundation
import Testing
@testable import ShopperCore

/// RFC 4180 framing and hostile input: what must be read, what must be refused with a clear error,
/// and that nothing crashes.
@Suite struct FramingTests {
    let header = Fixtures.header
    let row = Fixtures.validRow

    // MARK: Accepted

    @Test func crlfAndLfAndLoneCR() throws {
        for terminator in ["\r\n", "\n", "\r"] {
            let text = [header, row, row].joined(separator: terminator) + terminator
            let batch = try Fixtures.read(text)
            #expect(batch.sessions.count == 2, "terminator \(terminator.debugDescription)")
            #expect(batch.lines == [2, 3])
            #expect(batch.rawRecord(at: 1) == row)
        }
    }

    @Test func noFinalNewlineAndBlankLines() throws {
        let batch = try Fixtures.read("\n" + header + "\n\n" + row + "\n\n\n" + row)
        #expect(batch.sessions.count == 2)
        #expect(batch.lines == [4, 7])
    }

    @Test func utf8ByteOrderMarkIsSkipped() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((header + "\n" + row + "\n").utf8)
        let batch = try BatchReader().read(bytes: bytes, fileName: "bom.csv")
        #expect(batch.sessions.count == 1)
        #expect(batch.header.first == "Administrative")
    }

    @Test func columnsInAnyOrderWithUnknownExtras() throws {
        let columns = Array(Column.allCases.reversed())
        let names = ["Note"] + columns.map(\.name) + ["Campaign"]
        let values = columns.map { Fixtures.validCells[$0]! }
        let first = ["\"hello, \"\"world\"\"\nsecond line\""] + values + ["spring"]
        let second = ["x"] + values + ["y"]
        let text = [names, first, second].map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let batch = try Fixtures.read(text)
        #expect(batch.unknownColumns == ["Note", "Campaign"])
        #expect(batch.sessions.count == 2)
        #expect(batch.sessions[0] == batch.sessions[1])
        #expect(batch.sessions[0].productRelated == 1 && batch.sessions[0].bounceRates == 0.2)
        // The quoted cell spans two physical lines: the next record starts on line 4.
        #expect(batch.lines == [2, 4])
        #expect(batch.rawRecord(at: 0).hasPrefix("\"hello, \"\"world\"\"\nsecond line\","))
    }

    @Test func quotedNumbersAndPaddedCells() throws {
        let cells = Fixtures.validRow.split(separator: ",").map { "\"\($0)\"" }
        let padded = Fixtures.validRow.split(separator: ",").map { " \($0)\t" }
        let batch = try Fixtures.read(Fixtures.file([cells.joined(separator: ","), padded.joined(separator: ",")]))
        #expect(batch.sessions.count == 2)
        #expect(batch.sessions[0] == batch.sessions[1])
    }

    @Test func headerNamesAnyCaseAndTrimmed() throws {
        let names = Column.allCases.map { " " + $0.name.uppercased() + " " }.joined(separator: ",")
        let batch = try Fixtures.read(names + "\n" + row + "\n")
        #expect(batch.sessions.count == 1)
        #expect(batch.unknownColumns.isEmpty)
    }

    // MARK: Refused batches (never partial data)

    @Test func emptyFiles() {
        #expect(Fixtures.error("") == .empty(file: "batch.csv"))
        #expect(Fixtures.error("\n\n\r\n") == .empty(file: "batch.csv"))
        let bomOnly = try? BatchReader().read(bytes: [0xEF, 0xBB, 0xBF], fileName: "b.csv")
        #expect(bomOnly == nil)
    }

    @Test func headerOnly() {
        #expect(Fixtures.error(header) == .headerOnly(file: "batch.csv", headerLine: 1))
        #expect(Fixtures.error(header + "\n\n\n") == .headerOnly(file: "batch.csv", headerLine: 1))
    }

    @Test func missingRequiredColumns() throws {
        let columns = Column.allCases.filter { $0 != .month && $0 != .region }
        guard case .invalidHeader(_, let issues) = Fixtures.error(Fixtures.file([Fixtures.row(columns: columns)], columns: columns)) else {
            Issue.record("accepted")
            return
        }
        #expect(issues.map(\.column) == ["Month", "Region"])
        #expect(issues.allSatisfy { $0.line == 1 && $0.reason.contains("missing") })
    }

    @Test func duplicatedColumn() throws {
        let columns = Column.allCases + [.exitRates]
        guard case .invalidHeader(_, let issues) = Fixtures.error(Fixtures.file([Fixtures.row(columns: columns)], columns: columns)) else {
            Issue.record("accepted")
            return
        }
        #expect(issues.count == 1)
        #expect(issues[0].column == "ExitRates")
        #expect(issues[0].reason.contains("appears twice (fields 8 and 19)"))
    }

    @Test func fileWithoutHeader() throws {
        guard case .invalidHeader(_, let issues) = Fixtures.error(row + "\n" + row + "\n") else {
            Issue.record("accepted")
            return
        }
        #expect(issues.count == 1)
        #expect(issues[0].reason.contains("not a header"))
    }

    @Test func raggedRows() throws {
        let text = Fixtures.file([row, row + ",extra", "0,0,0", row])
        guard case .invalidRows(_, let issues, _, let invalid, let total) = Fixtures.error(text) else {
            Issue.record("accepted")
            return
        }
        #expect(invalid == 2 && total == 4)
        #expect(issues.map(\.line) == [3, 4])
        #expect(issues[0].reason == "expected 18 fields as in the header, found 19")
        #expect(issues[1].reason == "expected 18 fields as in the header, found 3")
        #expect(issues.allSatisfy { $0.column == ValidationIssue.recordColumn })
    }

    @Test func strayQuotes() throws {
        let stray = Fixtures.row([.month: "Fe\"b"])
        let afterClosing = Fixtures.row([.month: "\"Feb\"x"])
        let inside = Fixtures.row([.month: "\"Fe\"\"b\""])
        guard case .invalidRows(_, let issues, _, _, _) = Fixtures.error(Fixtures.file([stray, afterClosing, inside])) else {
            Issue.record("accepted")
            return
        }
        #expect(issues.map(\.line) == [2, 3, 4])
        #expect(issues.allSatisfy { $0.column == "Month" })
        #expect(issues[0].reason.contains("stray quote"))
        #expect(issues[0].value == "Fe\"b")
        #expect(issues[1].reason.contains("after the closing quote"))
        #expect(issues[2].value == "Fe\"b")
    }

    @Test func unterminatedQuote() {
        let text = Fixtures.file([row, Fixtures.row([.visitorType: "\"Returning_Visitor"]), row, row])
        #expect(Fixtures.error(text) == .unterminatedQuote(file: "batch.csv", line: 3))
        #expect(Fixtures.error(text, policy: .quarantineRows) == .unterminatedQuote(file: "batch.csv", line: 3))
    }

    @Test func nulBytesAreBinary() {
        var bytes = Array((header + "\n" + row + "\n" + row + "\n").utf8)
        bytes[bytes.count - 5] = 0
        guard case .notText(_, let line, let reason)? = Self.error(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(line == 3)
        #expect(reason.contains("NUL"))
    }

    @Test func utf16IsRefused() {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in (header + "\n" + row).utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        guard case .notText(_, _, let reason)? = Self.error(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(reason.contains("UTF-16"))
    }

    @Test func invalidUTF8InACell() throws {
        var bytes = Array((header + ",Note\n" + row + ",").utf8) + [0xC3, 0x28] + Array("\n".utf8)
        guard case .invalidRows(_, let issues, _, _, _)? = Self.error(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(issues.count == 1)
        #expect(issues[0].column == "Note")
        #expect(issues[0].reason.contains("UTF-8"))
        // And in a typed cell it is simply not a valid value.
        let cells = Array(Fixtures.row([.month: "MONTH"]).utf8)
        let at = try #require(cells.indices.first { cells[$0] == UInt8(ascii: "M") && cells[$0 + 1] == UInt8(ascii: "O") })
        bytes = Array((header + "\n").utf8) + cells[..<at] + [0x46, 0xE9, 0x62] + cells[(at + 5)...]
        guard case .invalidRows(_, let typed, _, _, _)? = Self.error(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(typed.first?.column == "Month")
        #expect(typed.first?.value == "F\u{FFFD}b")
    }

    @Test func invalidUTF8InTheHeader() {
        let bytes = Array("Administrative,".utf8) + [0xFF, 0xFE, 0x41] + Array(("\n" + row).utf8)
        guard case .notText(_, let line, _)? = Self.error(bytes) else {
            Issue.record("accepted")
            return
        }
        #expect(line == 1)
    }

    @Test func binaryGarbageNeverCrashesAndIsRefused() {
        var generator = SplitMix64(seed: 2024)
        for size in [1, 2, 3, 10, 100, 1_000, 10_000] {
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next() | 1) }  // no NUL
            #expect(Self.error(bytes) != nil, "\(size) random bytes were accepted")
        }
    }

    /// Deterministic mutations of a valid file (bytes flipped, deleted, duplicated, quotes and
    /// separators inserted): every outcome is a batch or a `BatchError`, and an accepted batch's
    /// rows all satisfy the schema.
    @Test func mutatedFilesNeverCrash() throws {
        let original = Array(Fixtures.file((0..<6).map { _ in row }).utf8)
        var generator = SplitMix64(seed: 99)
        let specials: [UInt8] = Array("\",\r\n\u{7F}é".utf8) + [0x80, 0xFF, 0x00]
        for _ in 0..<600 {
            var bytes = original
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let at = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 4 {
                case 0: bytes[at] = specials[Int(generator.next() % UInt64(specials.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(specials[Int(generator.next() % UInt64(specials.count))], at: at)
                default: bytes[at] = UInt8(truncatingIfNeeded: generator.next())
                }
                if bytes.isEmpty { break }
            }
            for policy in InvalidRowPolicy.allCases {
                if let batch = try? BatchReader(policy: policy).read(bytes: bytes, fileName: "m.csv") {
                    #expect(batch.sessions.count == batch.lines.count)
                    for session in batch.sessions {
                        #expect(session.bounceRates >= 0 && session.bounceRates <= 1)
                        #expect(session.browser > 0 && session.administrative >= 0)
                    }
                }
            }
        }
    }

    @Test func sizeLimitAndUnreadableFiles() throws {
        let text = Array(Fixtures.file([row]).utf8)
        #expect(Self.error(text, reader: BatchReader(maxBytes: 10)) == .tooLarge(file: "b.csv", byteSize: text.count, limit: 10))
        let missing = URL(fileURLWithPath: "/nonexistent/dir/batch.csv")
        #expect(throws: BatchError.self) { try BatchReader().read(contentsOf: missing) }
        do {
            _ = try BatchReader().read(contentsOf: FileManager.default.temporaryDirectory)
            Issue.record("a directory was read")
        } catch {
            guard case .unreadable(_, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(reason.contains("not a regular file"))
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).csv")
        try Data(text).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: BatchError.tooLarge(file: file.lastPathComponent, byteSize: text.count, limit: 20)) {
            try BatchReader(maxBytes: 20).read(contentsOf: file)
        }
        #expect(try BatchReader().read(contentsOf: file).sessions.count == 1)
    }

    @Test func errorMessagesSayWhatToDo() {
        let errors: [BatchError] = [
            .empty(file: "f"), .headerOnly(file: "f", headerLine: 1), .unterminatedQuote(file: "f", line: 3),
            .notText(file: "f", line: 1, reason: "NUL"), .tooLarge(file: "f", byteSize: 2, limit: 1),
            .unreadable(file: "f", reason: "gone"),
        ]
        for error in errors {
            #expect(error.description.hasPrefix("f: "))
            #expect(!error.advice.isEmpty && error.description.hasSuffix(error.advice))
            #expect(!error.issues.isEmpty)
        }
    }

    static func error(_ bytes: [UInt8], reader: BatchReader = BatchReader()) -> BatchError? {
        do {
            _ = try reader.read(bytes: bytes, fileName: "b.csv")
            return nil
        } catch {
            return error
        }
    }
}
