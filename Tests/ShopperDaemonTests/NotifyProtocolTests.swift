import Foundation
import Testing
@testable import ShopperInbox
import ShopperDaemon
import ShopperTestSupport

/// The notify protocol end to end: a real child process (the probe daemon, composed of
/// ServiceRunner, HealthMonitor, Watchdog, InotifyWatcher) talks to a datagram socket this test
/// binds and names in `NOTIFY_SOCKET`, and receives real signals.
@Suite struct NotifyProtocolTests {
    /// The watchdog timeout handed to the probe: it must ping every 100 ms while healthy.
    static let watchdogMicroseconds = 200_000

    struct Daemon {
        let inbox: TemporaryDirectory
        let socket: NotifySocket
        let probe: ProbeProcess
    }

    func start(stuckLimitMs: Int = 60_000, stopGraceMs: Int = 5_000, watchdog: Bool = true,
               extraArguments: [String] = [], environment: [String: String] = [:]) throws -> Daemon {
        let inbox = try TemporaryDirectory("inbox")
        let socket = try NotifySocket()
        var variables = ["NOTIFY_SOCKET": socket.path]
        if watchdog { variables["WATCHDOG_USEC"] = String(Self.watchdogMicroseconds) }
        variables.merge(environment) { $1 }
        let probe = try ProbeProcess(
            arguments: ["--inbox", inbox.path, "--stuck-limit-ms", String(stuckLimitMs),
                        "--stop-grace-ms", String(stopGraceMs), "--log-target", "stderr"] + extraArguments,
            environment: variables)
        return Daemon(inbox: inbox, socket: socket, probe: probe)
    }

    @Test func readyStatusWatchdogWhileHealthyNoneWhileStuckThenStoppingAndExitZero() async throws {
        let daemon = try start(stuckLimitMs: 400, stopGraceMs: 300)
        let socket = daemon.socket

        let ready = try #require(await socket.waitFor { $0 == "READY=1" })
        #expect(socket.datagrams[ready].assignments.contains("STATUS=idle · no champion yet · 0 batches"))
        // Healthy and idle: pings keep coming.
        #expect(await eventually { socket.assignments(from: ready).filter { $0 == "WATCHDOG=1" }.count >= 3 })

        // A batch flows: STATUS follows it.
        try FileOps.deliver("work 50", as: "a.csv", in: daemon.inbox.path)
        let processing = try #require(await socket.waitFor(from: ready) { $0 == "STATUS=processing a.csv · no champion yet · 0 batches" })
        let idle = try #require(await socket.waitFor(from: processing) { $0 == "STATUS=idle · no champion yet · 1 batch" })
        #expect(await daemon.probe.waitForLine("done \("a.csv".hex)"))

        // A batch hangs: pings go on until the stuck limit, then stop, and STATUS says why.
        try FileOps.deliver("hang", as: "h.csv", in: daemon.inbox.path)
        let hung = try #require(await socket.waitFor(from: idle) { $0.hasPrefix("STATUS=processing h.csv") })
        let stuck = try #require(await socket.waitFor(from: hung) {
            $0.hasPrefix("STATUS=STUCK: batch h.csv over the 400 ms limit, watchdog pings withheld")
        })
        let stuckSince = socket.datagrams[stuck].receivedAt
        // Watch for six ping intervals: not one WATCHDOG=1 may arrive.
        _ = await eventually(timeout: .milliseconds(600)) { false }
        let pingsWhileStuck = socket.datagrams.dropFirst(stuck + 1).filter { $0.assignments.contains("WATCHDOG=1") }
        #expect(pingsWhileStuck.isEmpty, "pings kept coming after the batch was stuck")
        #expect(ContinuousClock.now - stuckSince >= .milliseconds(600))

        // SIGTERM: STOPPING=1, the hung batch is abandoned after the grace, exit status 0.
        let beforeStop = socket.count
        daemon.probe.send(SIGTERM)
        #expect(await socket.waitFor(from: beforeStop) { $0 == "STOPPING=1" } != nil)
        #expect(await daemon.probe.exitStatus() == 0)
        #expect(daemon.probe.stdoutLines.contains("abandoned \("h.csv".hex)"))
        // Abandoned safely: the file is still in the inbox for the next start.
        #expect(FileManager.default.fileExists(atPath: daemon.inbox.file("h.csv")))
        // The journal-side record of the stuck batch (stderr JSON here).
        #expect(daemon.probe.stderrLines.contains { $0.contains(#""SHOPPERD_EVENT":"batch-stuck""#) && $0.contains(#""PRIORITY":"2""#) })
    }

    @Test func sigtermLetsTheCurrentBatchFinishAndStartsNoOther() async throws {
        let daemon = try start(stopGraceMs: 20_000)
        let ready = try #require(await daemon.socket.waitFor { $0 == "READY=1" })
        // The batch runs until the test opens its gate, after SIGTERM has been seen: on any machine
        // the stop arrives while it is in progress, and "next" is waiting behind it.
        let gate = try TemporaryDirectory("gate")
        try FileOps.deliver("until \(gate.file("open"))", as: "slow.csv", in: daemon.inbox.path)
        _ = try #require(await daemon.socket.waitFor(from: ready) { $0.hasPrefix("STATUS=processing slow.csv") })
        try FileOps.deliver("work 0", as: "next.csv", in: daemon.inbox.path)
        daemon.probe.send(SIGTERM)
        #expect(await daemon.socket.waitFor(from: ready) { $0 == "STOPPING=1" } != nil)
        try FileOps.write(gate.file("open"), "")
        #expect(await daemon.probe.exitStatus(timeout: .seconds(60)) == 0)
        let output = daemon.probe.stdoutLines
        #expect(output.contains("done \("slow.csv".hex)"), "the batch in progress must finish")
        #expect(!output.contains("done \("next.csv".hex)"), "no batch may start after SIGTERM")
        #expect(FileManager.default.fileExists(atPath: daemon.inbox.file("next.csv")))
        #expect(!FileManager.default.fileExists(atPath: daemon.inbox.file("slow.csv")))
        let stopping = daemon.probe.stderrLines.first { $0.contains(#""SHOPPERD_EVENT":"service-stopping""#) }
        #expect(stopping?.contains(#""REASON":"SIGTERM""#) == true)
        #expect(stopping?.contains(#""SHOPPERD_BATCH":"slow.csv""#) == true)
    }

    @Test func aSecondSigtermAbandonsTheBatchWithoutWaitingForTheGrace() async throws {
        let daemon = try start(stopGraceMs: 600_000)
        let ready = try #require(await daemon.socket.waitFor { $0 == "READY=1" })
        try FileOps.deliver("hang", as: "stuck.csv", in: daemon.inbox.path)
        _ = try #require(await daemon.socket.waitFor(from: ready) { $0.hasPrefix("STATUS=processing stuck.csv") })
        daemon.probe.send(SIGTERM)
        _ = try #require(await daemon.socket.waitFor(from: ready) { $0 == "STOPPING=1" })
        #expect(daemon.probe.process.isRunning, "the first SIGTERM waits for the batch (grace 10 min)")
        daemon.probe.send(SIGTERM)
        #expect(await daemon.probe.exitStatus(timeout: .seconds(10)) == 0)
        #expect(daemon.probe.stdoutLines.contains("abandoned \("stuck.csv".hex)"))
        #expect(FileManager.default.fileExists(atPath: daemon.inbox.file("stuck.csv")))
    }

    @Test func sigintStopsAnIdleDaemonWithStatusZero() async throws {
        let daemon = try start()
        let ready = try #require(await daemon.socket.waitFor { $0 == "READY=1" })
        daemon.probe.send(SIGINT)
        #expect(await daemon.socket.waitFor(from: ready) { $0 == "STOPPING=1" } != nil)
        #expect(await daemon.probe.exitStatus() == 0)
        #expect(daemon.probe.stderrLines.contains { $0.contains(#""REASON":"SIGINT""#) })
    }

    @Test func sighupReloadsTheConfigurationAndReportsReadyAgain() async throws {
        let config = try TemporaryDirectory("config")
        try FileOps.write(config.file("probe.conf"), "champion=v1\n")
        let daemon = try start(extraArguments: ["--config", config.file("probe.conf")])
        let ready = try #require(await daemon.socket.waitFor { $0 == "READY=1" })
        #expect(daemon.socket.datagrams[ready].assignments.contains("STATUS=idle · champion v1 · 0 batches"))

        try FileOps.write(config.file("probe.conf"), "champion=v2\n")
        let beforeReload = daemon.socket.count
        daemon.probe.send(SIGHUP)
        let reloading = try #require(await daemon.socket.waitFor(from: beforeReload) { $0 == "RELOADING=1" })
        #expect(daemon.socket.datagrams[reloading].assignments.contains { $0.hasPrefix("MONOTONIC_USEC=") })
        let readyAgain = try #require(await daemon.socket.waitFor(from: reloading) { $0 == "READY=1" })
        #expect(daemon.socket.datagrams[readyAgain].assignments.contains("STATUS=idle · champion v2 · 0 batches"))
        #expect(await eventually { daemon.probe.stderrLines.contains { $0.contains(#""SUMMARY":"champion v2""#) } })

        // A bad configuration is refused; the daemon keeps running with the old one.
        try FileOps.write(config.file("probe.conf"), "nonsense\n")
        daemon.probe.send(SIGHUP)
        #expect(await eventually { daemon.probe.stderrLines.contains { $0.contains(#""SHOPPERD_EVENT":"config-reload-failed""#) } })
        try FileOps.deliver("work 0", as: "after-reload.csv", in: daemon.inbox.path)
        #expect(await daemon.probe.waitForLine("done \("after-reload.csv".hex)"))
        #expect(daemon.socket.assignments(from: readyAgain).contains("STATUS=idle · champion v2 · 1 batch"))
        daemon.probe.send(SIGTERM)
        #expect(await daemon.probe.exitStatus() == 0)
    }

    /// `shopperd reload` (the unit's `ExecReload=`) against a running daemon: it signals, waits
    /// for the verdict the runner publishes in `$RUNTIME_DIRECTORY`, and fails when the
    /// configuration is refused, so `systemctl reload` does too. `kill -HUP` returned 0 either way.
    @Test func theReloadCommandWaitsForTheVerdictAndFailsOnARefusedConfiguration() async throws {
        let config = try TemporaryDirectory("config")
        let runtime = try TemporaryDirectory("runtime")
        try FileOps.write(config.file("probe.conf"), "champion=v1\n")
        let daemon = try start(extraArguments: ["--config", config.file("probe.conf")], environment: ["RUNTIME_DIRECTORY": runtime.path])
        let ready = try #require(await daemon.socket.waitFor { $0 == "READY=1" })
        func reload() async throws -> Command {
            try await Command.run("/usr/bin/env", ["RUNTIME_DIRECTORY=\(runtime.path)", ProbeProcess.shopperdPath,
                                                   "reload", "--pid", String(daemon.probe.pid), "--timeout", "60"])
        }

        try FileOps.write(config.file("probe.conf"), "champion=v2\n")
        let accepted = try await reload()
        #expect(accepted.status == 0, "\(accepted.output)")
        #expect(accepted.stdout.contains("reloaded its configuration: champion v2"), "\(accepted.output)")
        #expect(await daemon.socket.waitFor(from: ready) { $0 == "STATUS=idle · champion v2 · 0 batches" } != nil)

        try FileOps.write(config.file("probe.conf"), "nonsense\n")
        let refused = try await reload()
        #expect(refused.status == 78, "\(refused.output)")
        #expect(refused.stderr.contains("refused the new configuration and keeps the previous one"), "\(refused.output)")

        // Each request waits for its own answer: a good file again is accepted again.
        try FileOps.write(config.file("probe.conf"), "champion=v3\n")
        #expect(try await reload().status == 0)

        daemon.probe.send(SIGTERM)
        #expect(await daemon.probe.exitStatus() == 0)
        // A daemon that is gone is an error too, not a silent success.
        let gone = try await reload()
        #expect(gone.status == 69, "\(gone.output)")
    }

    @Test func aFailingRunLoopExitsOneSoSystemdRestartsIt() async throws {
        let daemon = try start()
        let ready = try #require(await daemon.socket.waitFor { $0 == "READY=1" })
        try FileOps.deliver("fail", as: "bad.csv", in: daemon.inbox.path)
        #expect(await daemon.probe.exitStatus() == 1)
        #expect(daemon.socket.assignments(from: ready).contains("STOPPING=1"))
        let failure = daemon.probe.stderrLines.first { $0.contains(#""SHOPPERD_EVENT":"service-failed""#) }
        #expect(failure?.contains("the batch asked to fail") == true)
    }

    @Test func waitingFilesAreProcessedOldestFirstBeforeNewArrivals() async throws {
        let inbox = try TemporaryDirectory("inbox")
        for (name, seconds) in [("c.csv", 3_000), ("a.csv", 1_000), ("b.csv", 2_000), ("a2.csv", 1_000)] {
            try FileOps.write(inbox.file(name), "work 0")
            try FileOps.setModificationTime(Array(inbox.file(name).utf8), seconds: seconds)
        }
        let socket = try NotifySocket()
        let probe = try ProbeProcess(arguments: ["--inbox", inbox.path, "--log-target", "stderr"],
                                     environment: ["NOTIFY_SOCKET": socket.path])
        #expect(await eventually { probe.stdoutLines.filter { $0.hasPrefix("done ") }.count == 4 })
        #expect(probe.stdoutLines.filter { $0.hasPrefix("done ") }
            == ["a.csv", "a2.csv", "b.csv", "c.csv"].map { "done \($0.hex)" })
        #expect(socket.assignments().contains("STATUS=idle · no champion yet · 4 batches"))
        probe.send(SIGTERM)
        #expect(await probe.exitStatus() == 0)
    }

    @Test func withoutNotifySocketEverythingIsANoOpAndTheDaemonStillWorks() async throws {
        let inbox = try TemporaryDirectory("inbox")
        let probe = try ProbeProcess(arguments: ["--inbox", inbox.path, "--log-target", "stderr"])
        #expect(await eventually { probe.stderrLines.contains { $0.contains(#""SHOPPERD_EVENT":"service-started""#) } })
        try FileOps.deliver("work 0", as: "x.csv", in: inbox.path)
        #expect(await probe.waitForLine("done \("x.csv".hex)"))
        probe.send(SIGTERM)
        #expect(await probe.exitStatus() == 0)
        #expect(!probe.stderrLines.contains { $0.contains("error-retrying") })
    }

    @Test func aWatchdogMeantForAnotherProcessIsNotPinged() async throws {
        // WATCHDOG_PID names another process (as after a fork): sd_watchdog_enabled says no.
        let daemon = try start(environment: ["WATCHDOG_PID": "1"])
        let ready = try #require(await daemon.socket.waitFor { $0 == "READY=1" })
        try FileOps.deliver("work 300", as: "w.csv", in: daemon.inbox.path)
        #expect(await daemon.probe.waitForLine("done \("w.csv".hex)"))
        #expect(!daemon.socket.assignments().contains("WATCHDOG=1"))
        #expect(daemon.socket.assignments(from: ready).contains("STATUS=idle · no champion yet · 1 batch"))
        daemon.probe.send(SIGTERM)
        #expect(await daemon.probe.exitStatus() == 0)
    }

    @Test func inProcessWithoutNotifySocketTheNotifierIsDisabled() throws {
        // The test process is not a service: nothing must be sent and nothing may fail.
        try #require(getenv("NOTIFY_SOCKET") == nil, "run the tests outside a systemd service")
        let notifier = SystemdNotifier()
        #expect(!notifier.isEnabled)
        #expect(notifier.watchdogTimeout == nil)
        try notifier.ready(status: "idle")
        try notifier.status("a\nb")
        try notifier.watchdog()
        try notifier.reloading()
        try notifier.stopping()
    }
}
