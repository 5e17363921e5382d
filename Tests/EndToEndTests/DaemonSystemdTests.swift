import Foundation
import ShopperPipeline
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// The real `shopperd run` as systemd sees it: the notify protocol on a socket the test binds
    /// (`READY=1`, `STATUS=`, `WATCHDOG=1` only while healthy, `STOPPING=1`), and drift alerts in a
    /// real journald read back with `journalctl`.
    @Suite struct DaemonSystemdTests {
        /// systemd's watchdog timeout for the daemon: it must ping every 200 ms while healthy.
        static let watchdogMicroseconds = 400_000

        @Test func readyStatusFollowsBatchesWatchdogPingsWhileHealthyStoppingThenExitZero() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            let daemon = try await workspace.start(
                ["--set", "stuck-limit-seconds=1", "--set", "stop-grace-seconds=1"],
                environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": String(Self.watchdogMicroseconds)])

            let ready = try #require(await socket.waitFor { $0 == "READY=1" })
            #expect(socket.datagrams[ready].assignments.contains("STATUS=idle · champion v1 · 0 batches"))
            #expect(await eventually { socket.assignments(from: ready).filter { $0 == "WATCHDOG=1" }.count >= 3 })
            let started = try #require(await daemon.waitForEvent("service-started"))
            #expect(started["WATCHDOG_USEC"] == String(Self.watchdogMicroseconds))

            // STATUS follows a stationary batch…
            try workspace.deliver(DaemonBatches.stationary(part: 0, labelled: true), as: "calm.csv")
            let processing = try #require(await socket.waitFor(from: ready) { $0 == "STATUS=processing calm.csv · champion v1 · 0 batches" })
            let idle = try #require(await socket.waitFor(from: processing) { $0 == "STATUS=idle · champion v1 · 1 batch" })
            // …and a drifted one that promotes v2: the champion and the last drift's time change.
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "holiday.csv")
            let promoted = try #require(await socket.waitFor(from: idle) {
                $0.hasPrefix("STATUS=idle · champion v2 · 2 batches · last drift ")
            })
            let line = try #require(socket.datagrams[promoted].assignments.first { $0.hasPrefix("STATUS=") })
            #expect(line.wholeMatch(of: /STATUS=idle · champion v2 · 2 batches · last drift \d\d:\d\d/) != nil, "\(line)")
            #expect(try workspace.report("holiday").decision == .retrainPromoted)
            // Healthy and idle again: the pings go on.
            #expect(await eventually { socket.assignments(from: promoted).filter { $0 == "WATCHDOG=1" }.count >= 2 })

            // SIGTERM while idle: STOPPING=1, exit status 0.
            let beforeStop = socket.count
            daemon.send(SIGTERM)
            #expect(await socket.waitFor(from: beforeStop) { $0 == "STOPPING=1" } != nil)
            #expect(await daemon.exitStatus() == 0)
            #expect(daemon.events("service-failed").isEmpty)
        }

        /// A batch that outlasts the stuck limit (a retrain with slow settings: minutes of real work,
        /// not a test hook in the binary) stops the watchdog pings, and a stop still abandons it cleanly.
        @Test func aBatchPastTheStuckLimitWithholdsWatchdogPingsAndAStopAbandonsItThenExitZero() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            let daemon = try await workspace.start(
                DaemonWorkspace.slowTraining + ["--set", "stuck-limit-seconds=1", "--set", "stop-grace-seconds=1"],
                environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": String(Self.watchdogMicroseconds)])
            let ready = try #require(await socket.waitFor { $0 == "READY=1" })
            #expect(await eventually { socket.assignments(from: ready).filter { $0 == "WATCHDOG=1" }.count >= 2 })

            // A batch still running past the 1 s stuck limit: STATUS says so and the pings stop.
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "hang-me.csv")
            let hung = try #require(await socket.waitFor(from: ready) { $0.hasPrefix("STATUS=processing hang-me.csv") })
            let stuck = try #require(await socket.waitFor(from: hung) {
                $0.hasPrefix("STATUS=STUCK: batch hang-me.csv over the 1 s limit, watchdog pings withheld")
            })
            let stuckSeen = socket.datagrams[stuck].receivedAt
            // Six ping intervals: not one WATCHDOG=1 may come.
            _ = await eventually(timeout: .milliseconds(1_200)) { false }
            #expect(ContinuousClock.now - stuckSeen >= .milliseconds(1_200))
            #expect(!socket.assignments(from: stuck + 1).contains("WATCHDOG=1"), "pings went on while the batch was stuck")
            let stuckEvent = try #require(await daemon.waitForEvent("batch-stuck", batch: "hang-me.csv"))
            #expect(stuckEvent["PRIORITY"] == "2" && stuckEvent["LIMIT_MS"] == "1000")

            // SIGTERM: STOPPING=1, the stuck batch abandoned after the 1 s grace, exit status 0.
            let beforeStop = socket.count
            daemon.send(SIGTERM)
            #expect(await socket.waitFor(from: beforeStop) { $0 == "STOPPING=1" } != nil)
            #expect(await daemon.exitStatus() == 0)
            #expect(!workspace.hasOutcome("hang-me") && workspace.claimedFiles.count == 2)
            #expect(daemon.events("service-failed").isEmpty)
        }

        /// A long retrain under the stuck limit keeps the watchdog pinging: the training's workers
        /// fill the cooperative pool, and before they yielded between trees they starved the
        /// watchdog, so systemd killed a daemon that was only busy (seen in the systemd stage).
        @Test func aLongTrainingUnderTheStuckLimitKeepsTheWatchdogPinging() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            let daemon = try await workspace.start(
                // One candidate, 10,000 trees: straight into one long fit, the phase that starved.
                ["--set", "training.grid=quick", "--set", "training.trees=10000", "--set", "stuck-limit-seconds=600",
                 "--set", "stop-grace-seconds=1"],
                environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": String(Self.watchdogMicroseconds)])
            let ready = try #require(await socket.waitFor { $0 == "READY=1" })
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "long.csv")
            let busy = try #require(await socket.waitFor(from: ready) { $0.hasPrefix("STATUS=processing long.csv") })
            // Ten ping intervals (200 ms each) into the training: pings keep coming while it runs.
            _ = await eventually(timeout: .seconds(4)) { false }
            #expect(!workspace.hasOutcome("long"), "the training ended too soon to tell")
            let pings = socket.assignments(from: busy + 1).filter { $0 == "WATCHDOG=1" }.count
            #expect(pings >= 4, "\(pings) watchdog pings in 4 s of training")
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
        }

        @Test func driftAlertsReachTheRealJournalWithTheirFields() async throws {
            try await Journald.ensureRunning()
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            let daemon = try await workspace.start(environment: ["NOTIFY_SOCKET": socket.path], logTarget: "journal")
            #expect(await socket.waitFor { $0 == "READY=1" } != nil)

            // A name no other run can have produced, so the query finds exactly this daemon's entries.
            let name = "holiday-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).csv"
            let stem = String(name.dropLast(4))
            try workspace.deliver(DaemonBatches.stationary(part: 0, labelled: true), as: "calm-\(name)")
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: name)
            #expect(await workspace.waitForOutcome(stem))
            let report = try workspace.report(stem)
            let drift = try #require(report.drift)

            let entries = try await Journald.waitForEntries(matching: [
                "MESSAGE_ID=1281d81328f946139ceca24f756954ae", "SHOPPERD_BATCH=\(name)",
            ])
            try #require(entries.count == 1)
            let entry = entries[0]
            #expect(entry["PRIORITY"] as? String == "4")
            #expect(entry["SYSLOG_IDENTIFIER"] as? String == "shopperd")
            #expect(entry["SHOPPERD_EVENT"] as? String == "drift-detected")
            #expect(entry["ROWS"] as? String == "300")
            #expect(entry["DRIFT"] as? String == "yes")
            #expect(entry["DRIFTED_FEATURES"] as? String == drift.drivers.map(\.name).joined(separator: ","))
            #expect((entry["DRIFTED_FEATURES"] as? String)?.split(separator: ",").contains("Month") == true)
            #expect(entry["FEATURES_TESTED"] as? String == "17")
            #expect(entry["DECISION"] as? String == "retrain-promoted")
            #expect(entry["MODEL_VERSION"] as? String == "v2")
            #expect(entry["_PID"] as? String == String(daemon.pid))
            #expect(entry["_TRANSPORT"] as? String == "journal")
            // The other events of that batch are there too, under their own IDs.
            let promoted = try await Journald.waitForEntries(matching: [
                "MESSAGE_ID=80a0ce1ffd964fd1b1ffe826a640d9d0", "SHOPPERD_BATCH=\(name)",
            ])
            #expect(promoted.first?["MODEL_VERSION"] as? String == "v2" && promoted.first?["PREVIOUS_MODEL_VERSION"] as? String == "v1")
            let calm = try await Journald.waitForEntries(matching: ["SHOPPERD_BATCH=calm-\(name)"])
            #expect(calm.first?["SHOPPERD_EVENT"] as? String == "batch-scored" && calm.first?["DRIFT"] as? String == "no")
            #expect(calm.first?["PRIORITY"] as? String == "6")

            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
            #expect(daemon.stderr.isEmpty, "events must go to the journal only: \(daemon.stderr)")
        }
    }
}
