import Foundation
import Testing
@testable import ShopperInbox
@testable import ShopperDaemon
import ShopperPipeline
import ShopperTestSupport

/// The stderr sink (one JSON object per line, same fields as the journal) and the sink choice.
@Suite struct EventLogTests {
    /// An EventLog writing JSON lines into a real file, and a way to read them back.
    struct Capture {
        let directory: TemporaryDirectory
        let fd: Int32
        let log: EventLog

        init() throws {
            directory = try TemporaryDirectory("eventlog")
            fd = open(directory.file("stderr"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            log = try EventLog(target: .stderr, stderrFD: fd)
        }

        var lines: [String] {
            let text = (try? String(contentsOfFile: directory.file("stderr"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }

        func objects() throws -> [[String: Any]] {
            try lines.map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
        }
    }

    @Test func eachEventIsOneJSONLineWithTheJournalFields() throws {
        let capture = try Capture()
        defer { close(capture.fd) }
        let event = DaemonEvent.batchScored(batch: InboxFileName("sessions-0423.csv")!, rows: 1_000, modelVersion: "v3",
                                            drift: false, decision: .score, duration: .milliseconds(12))
        capture.log.log(event)
        let objects = try capture.objects()
        #expect(objects.count == 1)
        let object = try #require(objects.first)
        for field in capture.log.entry(for: event) {
            #expect(object[field.name] as? String == String(decoding: field.value, as: UTF8.self), "\(field.name)")
        }
        #expect(object["MESSAGE_ID"] as? String == "617898c029204cbab2d0765eb314193d")
        #expect(object["PRIORITY"] as? String == "6")
        #expect(object["SYSLOG_IDENTIFIER"] as? String == "shopperd")
        #expect(object["SHOPPERD_BATCH"] as? String == "sessions-0423.csv")
        #expect(object["DURATION_MS"] as? String == "12")
        let timestamp = try #require(object["TIMESTAMP"] as? String)
        #expect(timestamp.count == 27 && timestamp.hasSuffix("Z"))
        // Keys keep the journal entry's order.
        #expect(capture.lines[0].hasPrefix(#"{"TIMESTAMP":""#))
        #expect(capture.lines[0].contains(#""MESSAGE":"batch sessions-0423.csv scored: 1000 rows with model v3 in 12 ms","MESSAGE_ID""#))
    }

    @Test func hostileNamesNeverBreakTheLineAndKeepTheirBytes() throws {
        let capture = try Capture()
        defer { close(capture.fd) }
        let newline = InboxFileName(bytes: Array("evil\n{\"x\":1}\u{2028}\\.csv".utf8))!
        let binary = InboxFileName(bytes: [0x2D, 0xFF, 0x0A, 0x22])!
        capture.log.log(.batchRejected(batch: newline, reason: "tab\there \u{0}nul", errorCount: 1))
        capture.log.log(.batchRejected(batch: binary, reason: "not UTF-8", errorCount: 1))
        let objects = try capture.objects()
        #expect(objects.count == 2)
        #expect(objects[0]["SHOPPERD_BATCH"] as? String == "evil\n{\"x\":1}\u{2028}\\.csv")
        #expect(objects[0]["REASON"] as? String == "tab\there \u{0}nul")
        // Not UTF-8: an array of byte values, as journalctl -o json prints binary fields.
        #expect((objects[1]["SHOPPERD_BATCH"] as? [Int])?.map(UInt8.init) == binary.bytes)
        #expect((objects[1]["MESSAGE"] as? String)?.contains(#"batch -\xff\n""#) == true)
    }

    @Test func concurrentEventsNeverInterleave() async throws {
        let capture = try Capture()
        defer { close(capture.fd) }
        let reason = String(repeating: "long reason ", count: 600)  // > PIPE_BUF per line
        await withTaskGroup { group in
            for index in 0..<64 {
                group.addTask {
                    capture.log.log(.batchRejected(batch: InboxFileName("b\(index).csv")!, reason: reason, errorCount: index))
                }
            }
        }
        let objects = try capture.objects()
        #expect(objects.count == 64)
        #expect(Set(objects.compactMap { $0["ERRORS"] as? String }) == Set((0..<64).map(String.init)))
    }

    @Test func theSinkIsChosenExplicitlyOrFromTheEnvironment() throws {
        let facts = { (socket: Bool, stream: Bool, tty: Bool) in
            LogEnvironment(journalSocketExists: socket, stderrIsJournalStream: stream, stderrIsTerminal: tty)
        }
        #expect(LogTarget.stderr.resolve(in: facts(true, true, false)) == .stderr)
        #expect(LogTarget.journal.resolve(in: facts(true, false, true)) == .journal)
        #expect(LogTarget.auto.resolve(in: facts(true, true, true)) == .journal)     // under systemd
        #expect(LogTarget.auto.resolve(in: facts(true, false, false)) == .journal)   // piped, journald there
        #expect(LogTarget.auto.resolve(in: facts(true, false, true)) == .stderr)     // an operator's terminal
        #expect(LogTarget.auto.resolve(in: facts(false, false, false)) == .stderr)   // a container
        #expect(LogTarget(rawValue: "journal") == .journal && LogTarget(rawValue: "syslog") == nil)

        #expect(throws: EventLogError.journalUnavailable(socket: "/run/systemd/journal/socket")) {
            try EventLog(target: .journal, environment: facts(false, false, false))
        }
        #expect(try EventLog(target: .auto, environment: facts(false, false, false)).sink == .stderr)
    }

    @Test func journalStreamIsRecognisedOnlyForTheFileStderrIsOpenOn() throws {
        let directory = try TemporaryDirectory("stream")
        let fd = open(directory.file("stream"), O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        #expect(LogEnvironment.matches(journalStream: "\(info.st_dev):\(info.st_ino)", fd: fd))
        #expect(!LogEnvironment.matches(journalStream: "\(info.st_dev):\(info.st_ino + 1)", fd: fd))
        #expect(!LogEnvironment.matches(journalStream: "garbage", fd: fd))
        #expect(!LogEnvironment.matches(journalStream: "\(info.st_dev):\(info.st_ino)", fd: -1))
    }

    @Test(arguments: [false, true])
    func onATerminalAutoPrintsUnlessJournalStreamNamesIt(streamNamesTerminal: Bool) async throws {
        // A real process whose stderr is a terminal (a pseudo-terminal here): `auto` must print
        // to it, even though journald runs, unless JOURNAL_STREAM names that very terminal, as
        // systemd does for StandardError=journal (then stderr *is* the journal).
        try await Journald.ensureRunning()
        let terminal = try PseudoTerminal()
        let inbox = try TemporaryDirectory("inbox")
        var environment: [String: String] = [:]
        if streamNamesTerminal { environment["JOURNAL_STREAM"] = terminal.journalStreamValue }
        let probe = try ProbeProcess(arguments: ["--inbox", inbox.path], environment: environment,
                                     standardError: terminal.follower)
        #expect(await probe.waitForLine(streamNamesTerminal ? "sink journal" : "sink stderr"))
        probe.send(SIGTERM)
        #expect(await probe.exitStatus() == 0)
    }
}

@Suite struct JournalSocketDetectionTests {
    @Test func aSocketFileWithoutListenerIsNotAJournal() throws {
        let directory = try TemporaryDirectory("sock")
        let path = directory.file("socket")
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        #expect(LogEnvironment.isListening(path))
        close(fd)  // the file stays, as after a crash
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(!LogEnvironment.isListening(path))
        #expect(!LogEnvironment.isListening(directory.file("absent")))
    }
}
