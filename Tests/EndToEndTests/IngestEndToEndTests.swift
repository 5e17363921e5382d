import Foundation
import ShopperCore
import Testing

#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

/// `shopperd ingest`, `versions` and `show` as an operator runs them: the real binary, real files,
/// a real store directory, exit statuses and messages.
@Suite(.serialized) struct IngestEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bundled = root.appendingPathComponent("data/online_shoppers_intention.csv").path

    struct VersionJSON: Decodable {
        var version: Int
        var file: String
        var rows: Int
        var labelled: Bool
        var sha256: String
        var ingested_at: String
    }

    func versions(_ state: String) throws -> [VersionJSON] {
        let outcome = try ShopperdBinary.run(["versions", "--state", state, "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return try JSONDecoder().decode([VersionJSON].self, from: Data(outcome.stdout.utf8))
    }

    @Test func ingestVersionsShowAndReingest() throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")

        let first = try ShopperdBinary.run(["ingest", Self.bundled, "--state", state])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("stored as version 1: 12330 rows, labelled, 1908 with Revenue TRUE, 125 exact duplicates flagged"))

        let listed = try versions(state)
        #expect(listed.count == 1)
        #expect(listed.first?.rows == 12_330 && listed.first?.labelled == true)
        #expect(listed.first?.file == "online_shoppers_intention.csv")
        #expect(listed.first?.sha256 == "d8e130ba51532985f93281a73ce299e6ce150cb915769a7962a11e595eadd6a1")

        let text = try ShopperdBinary.run(["versions", "--state", state])
        #expect(text.stdout.contains("VERSION"))
        #expect(text.stdout.contains("online_shoppers_intention.csv  12330  yes"))

        let silver = try ShopperdBinary.run(["show", "--layer", "silver", "--state", state])
        let silverLines = silver.stdout.split(separator: "\n")
        #expect(silverLines.count == 12_331)
        #expect(silverLines.first == "version,line,duplicate_of_line," + Column.allCases.map(\.name).joined(separator: ","))
        #expect(silverLines.filter { $0.hasSuffix(",TRUE") }.count == 1_908)

        let gold = try ShopperdBinary.run(["show", "--layer", "gold", "--limit", "2", "--format", "json", "--state", state])
        let goldRows = try JSONSerialization.jsonObject(with: Data(gold.stdout.utf8)) as? [[String: Any]]
        #expect(goldRows?.count == 2)
        #expect(goldRows?.first?["PageValue_ExitRate_Ratio"] as? Double == 0)
        #expect(goldRows?[1]["TotalDuration"] as? Double == 64)
        #expect(goldRows?[1]["AvgSecondsPerPage"] as? Double == 32)

        let bronze = try ShopperdBinary.run(["show", "--layer", "bronze", "--limit", "1", "--state", state])
        #expect(bronze.stdout == "version,file,line,raw\n1,online_shoppers_intention.csv,2,\"0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE\"\n")

        let again = try ShopperdBinary.run(["ingest", Self.bundled, "--state", state])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already ingested as version 1"))
        #expect(try versions(state).count == 1)
    }

    @Test func invalidBatchIsRejectedWithWhereAndWhy() throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")
        let header = Column.allCases.map(\.name).joined(separator: ",")
        let file = try scratch.write("bad.csv", """
            \(header)
            0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE
            0,0,0,0,1,0,1.7,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE

            """)
        let outcome = try ShopperdBinary.run(["ingest", file, "--state", state])
        #expect(outcome.status == 65)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("bad.csv: 1 of 2 rows are invalid"))
        #expect(outcome.stderr.contains("line 3, column BounceRates, value \"1.7\": BounceRates must be between 0 and 1"))
        #expect(outcome.stderr.contains("--on-invalid quarantine-rows"))
        #expect(try versions(state).isEmpty)

        let kept = try ShopperdBinary.run(["ingest", file, "--state", state, "--on-invalid", "quarantine-rows"])
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout.contains("stored as version 1: 1 rows"))
        #expect(kept.stderr.contains("quarantined line 3, column BounceRates"))
        #expect(try versions(state).first?.rows == 1)
    }

    /// A blank Revenue on some rows rejected the whole file; it is a row without a
    /// label, and the store, `ingest` and `versions` count the labelled rows. Item 13: a header-only
    /// file's rejection named no line in the text and line 0 in its issue.
    @Test func partiallyLabelledFilesAreStoredWithTheirLabelledRowCount() throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")
        let header = Column.allCases.map(\.name).joined(separator: ",")
        let row = "0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,"
        let file = try scratch.write("partial.csv", [header, row + "TRUE", row, row + "FALSE", row.replacingOccurrences(of: "Feb", with: "Mar")]
            .joined(separator: "\n") + "\n")
        let outcome = try ShopperdBinary.run(["ingest", file, "--state", state])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("stored as version 1: 4 rows, 2 labelled (1 with Revenue TRUE), 2 without a label"), "\(outcome.stdout)")
        let listed = try ShopperdBinary.run(["versions", "--state", state, "--format", "json"])
        let versions = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(versions?.first?["labelled_rows"] as? Int == 2 && versions?.first?["labelled"] as? Bool == true)
        #expect(versions?.first?["rows"] as? Int == 4)

        let headerOnly = try ShopperdBinary.run(["ingest", try scratch.write("header-only.csv", "\n" + header + "\n"), "--state", state])
        #expect(headerOnly.status == 65)
        #expect(headerOnly.stderr.contains("the file has a header but no data rows (the header is line 2)"), "\(headerOnly.stderr)")
    }

    @Test func exitStatusesAndHelp() throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")
        let missing = try ShopperdBinary.run(["ingest", scratch.file("nope.csv"), "--state", state])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("nope.csv"))

        let empty = try ShopperdBinary.run(["ingest", try scratch.write("empty.csv", ""), "--state", state])
        #expect(empty.status == 65)
        #expect(empty.stderr.contains("the file is empty"))

        let binary = try ShopperdBinary.run(["ingest", Self.bundled, ShopperdBinary.url.path, "--state", state])
        #expect(binary.status == 65)  // the first file is stored, the executable is refused
        #expect(binary.stdout.contains("stored as version 1"))
        #expect(binary.stderr.contains("not a UTF-8 CSV file"))

        let asOf = try ShopperdBinary.run(["show", "--layer", "silver", "--as-of", "9", "--state", state])
        #expect(asOf.status == 64)
        #expect(asOf.stderr.contains("store version 9 does not exist: versions run from 1 to 1"))

        let badLayer = try ShopperdBinary.run(["show", "--layer", "platinum", "--state", state])
        #expect(badLayer.status == 64)
        #expect(badLayer.stderr.contains("platinum"))

        let badPolicy = try ShopperdBinary.run(["ingest", Self.bundled, "--on-invalid", "ignore", "--state", state])
        #expect(badPolicy.status == 64)

        for command in [["ingest"], ["versions"], ["show"]] {
            let help = try ShopperdBinary.run(command + ["--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("USAGE: shopperd \(command[0])"))
            #expect(help.stdout.contains("--state <DIR>"))
        }

        // Reading a store that is not there is "no input" (66) and creates nothing; creating one
        // where it cannot be is a store failure (74).
        let absent = try ShopperdBinary.run(["versions", "--state", "/proc/shopperd-state"])
        #expect(absent.status == 66)
        #expect(absent.stderr.contains("no store at /proc/shopperd-state/shopperd.sqlite"))
        let unwritable = try ShopperdBinary.run(["ingest", Self.bundled, "--state", "/proc/shopperd-state"])
        #expect(unwritable.status == 74)
        #expect(unwritable.stderr.contains("cannot open the store"))
    }

    @Test func csvOutputNeutralisesFormulas() throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")
        let header = "Note," + Column.allCases.map(\.name).joined(separator: ",")
        let file = try scratch.write("formula.csv", """
            \(header)
            =2+5,0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE
            @SUM(A1),0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE

            """)
        let ingest = try ShopperdBinary.run(["ingest", file, "--state", state])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("unknown columns ignored: Note"))
        let bronze = try ShopperdBinary.run(["show", "--layer", "bronze", "--state", state])
        let lines = bronze.stdout.split(separator: "\n")
        // A spreadsheet opening this shows the text; it does not compute 2+5 or call SUM.
        #expect(lines[1] == "1,formula.csv,2,\"'=2+5,0,0,0,0,1,0,0.2,0.2,0,0,Feb,1,1,1,1,Returning_Visitor,FALSE,FALSE\"")
        #expect(lines[2].hasPrefix("1,formula.csv,3,\"'@SUM(A1),"))
    }

    /// A real `kill -9` of the real binary while it holds the store's write lock, in the middle of
    /// storing a large batch and with part of it already written to the WAL: the store must come
    /// back at the previous version, fully readable, and take the next batch as the next version.
    @Test func killDashNineMidIngestLeavesThePreviousVersion() throws {
        let scratch = try TemporaryDirectory("shopperd-e2e")
        let state = scratch.file("state")
        #expect(try ShopperdBinary.run(["ingest", Self.bundled, "--state", state]).status == 0)

        // ~123,000 rows: the bundled rows ten times (duplicates are kept, so all are stored).
        let text = try String(contentsOfFile: Self.bundled, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        var big = String(lines[0]) + "\n"
        let body = lines.dropFirst().joined(separator: "\n") + "\n"
        for _ in 0..<10 { big += body }
        let bigFile = try scratch.write("big.csv", big)

        let (process, _, _) = try ShopperdBinary.start(["ingest", bigFile, "--state", state])
        let directory = URL(fileURLWithPath: state)
        let shm = directory.appendingPathComponent("shopperd.sqlite-shm")
        let wal = directory.appendingPathComponent("shopperd.sqlite-wal")
        // Kill once the process holds the write lock *and* SQLite has already spilled part of the
        // uncommitted batch into the WAL (more than 1 MB): the hardest moment for recovery, with
        // half a version on disk.
        var killedInsideTransaction = false
        var walBytesAtKill = 0
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            let walBytes = (try? FileManager.default.attributesOfItem(atPath: wal.path)[.size] as? Int) ?? 0
            if walBytes > 1 << 20 && WriteLock.isHeld(by: process.processIdentifier, on: shm) {
                kill(process.processIdentifier, SIGKILL)
                killedInsideTransaction = true
                walBytesAtKill = walBytes
                break
            }
            usleep(1_000)
        }
        process.waitUntilExit()
        #expect(killedInsideTransaction, "the ingest finished (or never spilled into the WAL) before it could be killed")
        #expect(walBytesAtKill > 1 << 20)
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)

        // The previous version, intact.
        let after = try versions(state)
        #expect(after.map(\.version) == [1])
        #expect(after.first?.rows == 12_330)
        let silver = try ShopperdBinary.run(["show", "--layer", "silver", "--state", state])
        #expect(silver.status == 0)
        #expect(silver.stdout.split(separator: "\n").count == 12_331)
        let bronze = try ShopperdBinary.run(["show", "--layer", "bronze", "--format", "json", "--state", state])
        let bronzeRows = try JSONSerialization.jsonObject(with: Data(bronze.stdout.utf8)) as? [[String: Any]]
        #expect(bronzeRows?.count == 12_330)

        // And the store goes on: the next batch is version 2.
        let small = try scratch.write("small.csv", lines.prefix(4).joined(separator: "\n") + "\n")
        let next = try ShopperdBinary.run(["ingest", small, "--state", state])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.contains("stored as version 2: 3 rows"))
        #expect(try versions(state).map(\.rows) == [12_330, 3])
    }
}

/// Whether a process holds SQLite's WAL write lock on a database: a POSIX write lock on byte 120
/// of the `-shm` file, taken when a write transaction begins and released when it ends. Read from
/// `/proc/locks` (Linux), so the test knows the ingest is inside its transaction without any hook
/// in the binary.
enum WriteLock {
    static func isHeld(by pid: Int32, on shm: URL) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: shm.path),
              let inode = attributes[.systemFileNumber] as? UInt64,
              let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8)
        else { return false }
        for line in locks.split(separator: "\n") {
            // "1: POSIX  ADVISORY  WRITE 18247 fe:00:16229246 120 120"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8, fields[3] == "WRITE", fields[4] == "\(pid)", fields[6] == "120",
                  fields[5].split(separator: ":").last == "\(inode)"
            else { continue }
            return true
        }
        return false
    }
}
