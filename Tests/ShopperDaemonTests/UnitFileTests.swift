import Foundation
import Testing
import ShopperDaemon
import ShopperTestSupport

/// The shipped systemd files, checked with systemd's own tools.
@Suite struct UnitFileTests {
    static let systemdDirectory = Command.repositoryRoot + "/systemd"
    static let installedBinary = "/usr/local/bin/shopperd"

    /// The unit as shipped, with ExecStart and ExecReload pointing at a binary that exists here:
    /// `verify` refuses a unit whose ExecStart binary is missing, and /usr/local/bin/shopperd is only
    /// there once installed. The built `shopperd` is the very program the unit runs.
    static func unitForVerification(extraLines: [String] = []) throws -> TemporaryDirectory {
        let built = ProbeProcess.buildDirectory + "/shopperd"
        guard FileManager.default.isExecutableFile(atPath: built) else {
            throw TestFailure("\(built) is missing: run `swift build` first")
        }
        let unit = try String(contentsOfFile: systemdDirectory + "/shopperd.service", encoding: .utf8)
        guard unit.contains("ExecStart=\(installedBinary) ") else { throw TestFailure("ExecStart moved") }
        let directory = try TemporaryDirectory("unit")
        let rewritten = unit.replacingOccurrences(of: "=\(installedBinary) ", with: "=\(built) ")
        try FileOps.write(directory.file("shopperd.service"), rewritten + extraLines.map { $0 + "\n" }.joined())
        return directory
    }

    static func settings(_ key: String) throws -> [String] {
        let unit = try String(contentsOfFile: systemdDirectory + "/shopperd.service", encoding: .utf8)
        return unit.split(separator: "\n").compactMap { line in
            line.hasPrefix(key + "=") ? String(line.dropFirst(key.count + 1)) : nil
        }
    }

    @Test func systemdAnalyzeVerifyPrintsNothing() async throws {
        let directory = try Self.unitForVerification()
        let result = try await Command.run("/usr/bin/systemd-analyze", ["verify", directory.file("shopperd.service")])
        #expect(result.status == 0)
        #expect(result.output.isEmpty, "systemd-analyze verify complained:\n\(result.output)")
    }

    @Test func verifyWouldCatchABadKey() async throws {
        // The check above is only worth something if verify speaks up on a mistake.
        let directory = try Self.unitForVerification(extraLines: ["[Service]", "WatchDogSecs=60"])
        let result = try await Command.run("/usr/bin/systemd-analyze", ["verify", directory.file("shopperd.service")])
        #expect(result.output.contains("WatchDogSecs"))
    }

    @Test func exposureIsRatedSafeAtMostOnePointZero() async throws {
        let directory = try Self.unitForVerification()
        let result = try await Command.run(
            "/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", directory.file("shopperd.service")])
        let line = try #require(result.output.split(separator: "\n").first { $0.contains("Overall exposure level for shopperd.service") })
        let score = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) })
        #expect(score <= 1.0, "exposure \(score): \(line)")
        #expect(line.contains("SAFE"))
    }

    @Test func theUnitSaysWhatTheDaemonDoes() throws {
        #expect(try Self.settings("Type") == ["notify"])
        #expect(try Self.settings("NotifyAccess") == ["main"])
        #expect(try Self.settings("Restart") == ["on-failure"])
        // Reload waits for the daemon's verdict, published in the runtime directory (item 17).
        #expect(try Self.settings("ExecReload") == ["\(Self.installedBinary) reload --pid $MAINPID"])
        #expect(try Self.settings("RuntimeDirectory") == ["shopperd"])
        // A bad command line (64), a corrupt store (65) and an invalid configuration (78) are not retried.
        #expect(try Self.settings("RestartPreventExitStatus") == ["64 65 78"])
        // No --config: the default file in $CONFIGURATION_DIRECTORY is optional, a named one is not.
        #expect(try Self.settings("ConfigurationDirectory") == ["shopperd"])
        #expect(try Self.settings("ExecStart").allSatisfy { !$0.contains("--config") })
        #expect(try Self.settings("CapabilityBoundingSet") == [""])
        #expect(try Self.settings("RestrictAddressFamilies") == ["AF_UNIX"])
        #expect(try Self.settings("StateDirectory") == ["shopperd"])
        // systemd must not SIGKILL a daemon that is still within its own stop grace.
        let stopTimeout = try #require(try Self.settings("TimeoutStopSec").first.flatMap { Int($0.dropLast()) })
        let runner = ServiceRunner(notifier: SystemdNotifier(), events: try EventLog(target: .stderr),
                                   monitor: HealthMonitor(policy: HealthPolicy(stuckLimit: .seconds(1)),
                                                          notifier: SystemdNotifier(), events: nil))
        #expect(Duration.seconds(stopTimeout) > runner.stopGrace)
        // The watchdog timeout leaves room for pings at half of it.
        let watchdog = try #require(try Self.settings("WatchdogSec").first.flatMap { Int($0.dropLast()) })
        #expect(watchdog >= 10)
    }

    @Test func sysusersAndTmpfilesCreateTheUserAndEveryReadWritePath() async throws {
        // Run the real tools against a scratch root: the user, the group, and the directories the
        // unit's ReadWritePaths= needs, with their modes and owner.
        let root = try TemporaryDirectory("root")
        for (source, target) in [("shopperd.sysusers", "etc/sysusers.d"), ("shopperd.tmpfiles", "etc/tmpfiles.d")] {
            try FileManager.default.createDirectory(atPath: root.file(target), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.systemdDirectory + "/" + source, toPath: root.file(target + "/shopperd.conf"))
        }
        let sysusers = try await Command.run("/usr/bin/systemd-sysusers", ["--root=\(root.path)"])
        #expect(sysusers.status == 0, "\(sysusers.output)")
        let passwd = try String(contentsOfFile: root.file("etc/passwd"), encoding: .utf8)
        let entry = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("shopperd:") })
        let uid = try #require(Int(entry.split(separator: ":")[2]))
        #expect(uid > 0 && uid < 1_000, "a system user")
        #expect(entry.hasSuffix(":/usr/sbin/nologin"))

        let tmpfiles = try await Command.run("/usr/bin/systemd-tmpfiles", ["--root=\(root.path)", "--create", "shopperd.conf"])
        #expect(tmpfiles.status == 0, "\(tmpfiles.output)")
        let paths = try Self.settings("ReadWritePaths").flatMap { $0.split(separator: " ").map(String.init) }
        #expect(paths == ["/var/spool/shopperd/inbox", "/var/spool/shopperd/outbox"])
        for (path, mode) in zip(paths, [0o2770, 0o2750]) {
            var info = stat()
            #expect(stat(root.path + path, &info) == 0, "\(path) not created")
            #expect(Int(info.st_mode & 0o7777) == mode, "\(path) mode \(String(info.st_mode & 0o7777, radix: 8))")
            #expect(Int(info.st_uid) == uid)
        }
    }

    @Test func theCatalogExplainsEveryMessageID() async throws {
        let catalog = try String(contentsOfFile: Self.systemdDirectory + "/shopperd.catalog", encoding: .utf8)
        let sections = catalog.components(separatedBy: "\n-- ").dropFirst()
        var explained: [String: String] = [:]
        for section in sections {
            let lines = section.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let id = lines[0]
            #expect(lines.contains("Defined-By: shopperd"), "\(id)")
            #expect(lines.contains { $0.hasPrefix("Documentation: ") }, "\(id)")
            explained[id] = lines.first { $0.hasPrefix("Subject: ") } ?? ""
        }
        #expect(Set(explained.keys) == Set(DaemonEventKind.allCases.map(\.messageID.hex)))
        #expect(explained.values.allSatisfy { $0.count > "Subject: ".count }, "every entry needs a Subject:")

        // journalctl's own parser: build the catalog database in a scratch root and list it.
        let root = try TemporaryDirectory("catalog")
        try FileManager.default.createDirectory(atPath: root.file("usr/lib/systemd/catalog"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.systemdDirectory + "/shopperd.catalog",
                                         toPath: root.file("usr/lib/systemd/catalog/shopperd.catalog"))
        let update = try await Command.run("/usr/bin/journalctl", ["--root=\(root.path)", "--update-catalog"])
        #expect(update.status == 0 && update.output.isEmpty, "\(update.output)")
        let listing = try await Command.run("/usr/bin/journalctl", ["--root=\(root.path)", "--list-catalog", "--no-pager"])
        for kind in DaemonEventKind.allCases {
            #expect(listing.stdout.contains("\(kind.messageID.hex) shopperd: "), "\(kind) missing from the catalog database")
        }
        let drift = try await Command.run("/usr/bin/journalctl",
                                          ["--root=\(root.path)", "--dump-catalog", "--no-pager", DaemonEventKind.driftDetected.messageID.hex])
        #expect(drift.stdout.contains("@DRIFTED_FEATURES@"))
    }
}
