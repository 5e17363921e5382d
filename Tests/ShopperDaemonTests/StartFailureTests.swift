import Foundation
import Testing
import ShopperDaemon
import ShopperTestSupport

/// The real `shopperd run` refusing to start, as systemd sees it: a `service-start-refused` event
/// at priority err in a real journald (so `journalctl -u shopperd -p err` shows why the service
/// is down), exit 78, nothing created; and a fresh install without its default config file
/// starting on the defaults.
@Suite struct StartFailureTests {
    /// `run` arguments for fresh directories under `work`.
    static func runArguments(_ work: TemporaryDirectory) -> [String] {
        ["run", "--inbox", work.file("inbox"), "--outbox", work.file("outbox"), "--state", work.file("state")]
    }

    @Test func aRefusedConfigurationIsAnErrorEventWithItsMessageIDUnderAuto() async throws {
        try await Journald.ensureRunning()
        let work = try TemporaryDirectory("start-refused")
        let config = work.file("shopperd-\(UInt64.random(in: 0...UInt64.max)).json")
        try FileOps.write(config, #"{"training": {"trees": true}}"#)
        // stderr connected to "the journal" the way systemd does it: JOURNAL_STREAM names its
        // device and inode, so --log-target auto (the unit's) picks the journal.
        let stderrPath = work.file("stderr")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        var info = stat()
        #expect(stat(stderrPath, &info) == 0)
        let run = try ProbeProcess(
            arguments: Self.runArguments(work) + ["--log-target", "auto", "--config", config],
            environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"],
            standardError: FileHandle(forWritingAtPath: stderrPath), executable: ProbeProcess.shopperdPath)
        #expect(await run.exitStatus(timeout: .seconds(60)) == 78)

        let id = DaemonEventKind.serviceStartRefused.messageID.hex
        let entries = try await Journald.waitForEntries(matching: ["MESSAGE_ID=\(id)", "_PID=\(run.pid)"])
        let entry = try #require(entries.first, "no service-start-refused entry in the journal")
        #expect(entry["PRIORITY"] as? String == "3")
        #expect(entry["EXIT_STATUS"] as? String == "78")
        #expect(entry["SHOPPERD_EVENT"] as? String == "service-start-refused")
        let error = try #require(entry["ERROR"] as? String)
        #expect(error.contains(#"setting "training.trees" = true (a JSON boolean) from the configuration file \#(config)"#), "\(error)")
        #expect(error.contains("expected an integer in 1...10000"), "\(error)")
        // What an operator types finds it.
        #expect(try await !Journald.entries(matching: ["-p", "err", "_PID=\(run.pid)"]).isEmpty)
        // Not double-logged on stderr (systemd would file that at priority info), nothing created.
        #expect(((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: work.file("state")))
    }

    /// A typo in the unit's ExecStart= command line: the same journal event, exit 64 (not restarted).
    @Test func aBadDaemonCommandLineIsAnErrorEventToo() async throws {
        try await Journald.ensureRunning()
        let work = try TemporaryDirectory("bad-command-line")
        let run = try ProbeProcess(arguments: Self.runArguments(work) + ["--log-target", "journal", "--inbxo", work.file("x")],
                                   executable: ProbeProcess.shopperdPath)
        #expect(await run.exitStatus(timeout: .seconds(60)) == 64)
        let entries = try await Journald.waitForEntries(matching: [
            "MESSAGE_ID=\(DaemonEventKind.serviceStartRefused.messageID.hex)", "_PID=\(run.pid)",
        ])
        let entry = try #require(entries.first)
        #expect(entry["PRIORITY"] as? String == "3" && entry["EXIT_STATUS"] as? String == "64")
        #expect((entry["ERROR"] as? String)?.contains("--inbxo") == true, "\(entry)")
        // Not under systemd's journal stream: the person who typed it sees it too.
        #expect(run.stderrLines.contains { $0.contains("--inbxo") }, "\(run.stderrLines)")
        #expect(!FileManager.default.fileExists(atPath: work.file("state")))
    }

    @Test func aMissingDefaultConfigFileMeansTheDefaultsAndANamedOneIsAnError() async throws {
        let work = try TemporaryDirectory("default-config")
        let etc = work.file("etc")
        try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
        // As systemd sets it for ConfigurationDirectory=shopperd, with no shopperd.json there yet.
        let fresh = try ProbeProcess(arguments: Self.runArguments(work) + ["--once", "--log-target", "stderr"],
                                     environment: ["CONFIGURATION_DIRECTORY": etc], executable: ProbeProcess.shopperdPath)
        #expect(await fresh.exitStatus(timeout: .seconds(60)) == 0, "\(fresh.stderrLines)")

        // Once the operator writes it, it is read (and checked).
        try FileOps.write(etc + "/shopperd.json", #"{"drift": {"alpha": 2}}"#)
        let checked = try ProbeProcess(arguments: Self.runArguments(work) + ["--once", "--log-target", "stderr"],
                                       environment: ["CONFIGURATION_DIRECTORY": etc], executable: ProbeProcess.shopperdPath)
        #expect(await checked.exitStatus(timeout: .seconds(60)) == 78)
        #expect(checked.stderrLines.contains { $0.contains("from the configuration file \(etc)/shopperd.json is invalid") }, "\(checked.stderrLines)")

        // A file named with --config must exist.
        let named = try ProbeProcess(arguments: Self.runArguments(work) + ["--once", "--log-target", "stderr", "--config", work.file("nope.json")],
                                     executable: ProbeProcess.shopperdPath)
        #expect(await named.exitStatus(timeout: .seconds(60)) == 78)
        #expect(named.stderrLines.contains { $0.contains("cannot read the configuration file \(work.file("nope.json")): No such file or directory") },
                "\(named.stderrLines)")
    }
}
