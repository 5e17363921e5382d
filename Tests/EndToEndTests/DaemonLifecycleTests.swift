import Foundation
import ShopperPipeline
import ShopperStore
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// The daemon's life across stops and starts, on the real binary: SIGTERM in the middle of a
    /// batch, restart, files waiting at start-up, batches waiting for a first champion, `--once`.
    @Suite struct DaemonLifecycleTests {
        /// Jobs in the order they were claimed (job ids are arrival numbers), as input names.
        func jobOrder(_ workspace: DaemonWorkspace) throws -> [String] {
            try workspace.store().jobs().sorted { $0.id < $1.id }.map { String(decoding: $0.inputName, as: UTF8.self) }
        }

        @Test func sigtermDuringALongBatchExitsZeroAndTheRestartProcessesItOnceWithNothingLost() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            // first.csv (stationary, unlabelled) is only scored; slow-batch.csv (drifted, labelled)
            // retrains, which takes minutes with these settings: the stop lands while it runs.
            let daemon = try await workspace.start(DaemonWorkspace.slowTraining + ["--set", "stop-grace-seconds=1"],
                                                   environment: ["NOTIFY_SOCKET": socket.path])
            try workspace.deliver(DaemonBatches.stationary(part: 0), as: "first.csv")
            #expect(await workspace.waitForOutcome("first"))

            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "slow-batch.csv")
            #expect(await socket.waitFor { $0.hasPrefix("STATUS=processing slow-batch.csv") } != nil)
            // Arrives while the batch is in flight: it waits its turn in the inbox.
            try workspace.deliver(DaemonBatches.stationary(part: 2), as: "queued.csv")
            #expect(await eventually { workspace.inboxFiles == ["queued.csv"] })

            let beforeStop = socket.count
            daemon.send(SIGTERM)
            #expect(await socket.waitFor(from: beforeStop) { $0 == "STOPPING=1" } != nil)
            #expect(await daemon.exitStatus() == 0)
            let stopping = try #require(daemon.events("service-stopping").first)
            #expect(stopping["REASON"] == "SIGTERM" && stopping["SHOPPERD_BATCH"] == "slow-batch.csv")
            // Abandoned safely: no outcome, nothing committed, the batch still claimed (ID.data + ID.name)
            // and the queued file still in the inbox.
            #expect(!workspace.hasOutcome("slow-batch") && !workspace.hasOutcome("queued"))
            #expect(workspace.claimedFiles.count == 2 && workspace.inboxFiles == ["queued.csv"])
            #expect(try jobOrder(workspace) == ["first.csv"])

            // Restart with quick training: the interrupted batch first, then the queued one, once each.
            let restarted = try await workspace.start()
            #expect(await workspace.waitForOutcome("slow-batch", timeout: .seconds(300)), "\(restarted.stderr)")
            #expect(await workspace.waitForOutcome("queued"))
            restarted.send(SIGTERM)
            #expect(await restarted.exitStatus() == 0)
            #expect(try jobOrder(workspace) == ["first.csv", "slow-batch.csv", "queued.csv"])
            #expect(workspace.outboxFiles == ["first", "queued", "slow-batch"].flatMap { [$0 + ".predictions.csv", $0 + ".report.json"] })
            #expect(try workspace.report("slow-batch").rows == 300)
            #expect(workspace.archiveFiles.count == 3 && workspace.claimedFiles.isEmpty && workspace.inboxFiles.isEmpty)
            #expect(try workspace.store().currentVersion() == 4)  // bootstrap + three batches, none twice
        }

        @Test func sigtermWhileARetrainRunsLetsTheBatchFinishThenExitsZero() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            let daemon = try await workspace.start(environment: ["NOTIFY_SOCKET": socket.path])
            try workspace.deliver(DaemonBatches.stationary(part: 0, labelled: true), as: "stationary.csv")
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "holiday.csv")
            try workspace.deliver(DaemonBatches.stationary(part: 1), as: "next.csv")
            #expect(await socket.waitFor { $0.hasPrefix("STATUS=processing holiday.csv") } != nil)
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
            // The batch in flight when the stop began finished (its retrain and promotion committed and
            // delivered); the next one was not started and still waits (in the inbox, or claimed).
            let stopping = try #require(daemon.events("service-stopping").first)
            #expect(stopping["SHOPPERD_BATCH"] == "holiday.csv")
            #expect(try workspace.report("holiday").decision == .retrainPromoted)
            #expect(!workspace.hasOutcome("next"))
            #expect(workspace.inboxFiles == ["next.csv"] || workspace.claimedFiles.count == 2)
            #expect(workspace.archiveFiles.count == 2)
        }

        @Test func filesWaitingAtStartAreProcessedOldestFirst() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            // Name order and modification-time order differ on purpose.
            for (part, name, seconds) in [(0, "alpha.csv", 1_700_000_300), (1, "mike.csv", 1_700_000_100),
                                          (2, "zulu.csv", 1_700_000_200), (3, "bravo.csv", 1_700_000_000)] {
                try workspace.write(DaemonBatches.stationary(part: part), as: name)
                try workspace.setModificationTime(name, seconds: seconds)
            }
            try workspace.write(DaemonBatches.stationary(part: 4), as: "unfinished.csv.part")
            let daemon = try await workspace.start()
            for stem in ["alpha", "mike", "zulu", "bravo"] { #expect(await workspace.waitForOutcome(stem)) }
            #expect(await eventually { daemon.events("batch-scored").count == 4 })
            #expect(daemon.events("batch-scored").compactMap { $0["SHOPPERD_BATCH"] } == ["bravo.csv", "mike.csv", "zulu.csv", "alpha.csv"])
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
            #expect(try jobOrder(workspace) == ["bravo.csv", "mike.csv", "zulu.csv", "alpha.csv"])
            #expect(workspace.inboxFiles == ["unfinished.csv.part"])
        }

        @Test func unlabelledBatchesWaitForAChampionThenTheFirstLabelledBatchBootstrapsIt() async throws {
            let workspace = try DaemonWorkspace()  // no --bootstrap, no champion
            let socket = try NotifySocket()
            let daemon = try await workspace.start(environment: ["NOTIFY_SOCKET": socket.path])
            let ready = try #require(await socket.waitFor { $0 == "READY=1" })
            #expect(socket.datagrams[ready].assignments.contains("STATUS=idle · no champion yet · 0 batches"))

            try workspace.deliver(DaemonBatches.stationary(part: 0), as: "early.csv")
            // STATUS says it waits (and a batch without an outcome is not counted as processed).
            let waiting = try #require(await socket.waitFor(from: ready) {
                $0.hasPrefix("STATUS=idle · no champion yet · 0 batches · 1 batch waiting for a champion: no champion yet: early.csv is unlabelled")
            })
            #expect(!workspace.hasOutcome("early") && workspace.claimedFiles.count == 2)
            try workspace.deliver(DaemonBatches.stationary(part: 1), as: "early-too.csv")
            #expect(await socket.waitFor(from: waiting) { $0.hasPrefix("STATUS=idle · no champion yet · 0 batches · 2 batches waiting for a champion") } != nil)
            #expect(workspace.outboxFiles.isEmpty)

            // The first labelled batch trains the first champion, then the waiting batches are scored by it.
            try workspace.deliver(DaemonBatches.stationary(rows: 300, part: 2, labelled: true), as: "labelled.csv")
            for stem in ["labelled", "early", "early-too"] { #expect(await workspace.waitForOutcome(stem)) }
            let first = try workspace.report("labelled")
            #expect(first.decision == .bootstrapTrained && first.models.serving == 1 && first.models.championBefore == nil)
            for stem in ["early", "early-too"] {
                let report = try workspace.report(stem)
                #expect(report.models.serving == 1 && report.models.championBefore == 1 && report.decision == .score, "\(report.reason)")
            }
            let idle = await socket.waitFor(from: waiting) { $0 == "STATUS=idle · champion v1 · 3 batches" }
            #expect(idle != nil, "statuses: \(socket.statuses(from: waiting))")
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
            // Claimed in arrival order; processed once a champion existed.
            #expect(try jobOrder(workspace) == ["early.csv", "early-too.csv", "labelled.csv"])
            #expect(daemon.events("batch-scored").compactMap { $0["SHOPPERD_BATCH"] } == ["labelled.csv", "early.csv", "early-too.csv"])
            #expect(try await workspace.models().map(\.version) == [1])
        }

        @Test func onceProcessesWhatWaitsThenExitsAndLeavesBatchesWithoutAChampionInTheSpool() async throws {
            let workspace = try DaemonWorkspace()
            try workspace.write(DaemonBatches.stationary(part: 0), as: "unlabelled.csv")
            let waiting = try await workspace.runOnce()
            #expect(await waiting.exitStatus() == 0)
            #expect(waiting.stderr.contains("1 batch(es) wait for a champion in the spool"))
            #expect(workspace.outboxFiles.isEmpty && workspace.inboxFiles.isEmpty && workspace.claimedFiles.count == 2)

            try workspace.write(DaemonBatches.stationary(part: 1, labelled: true), as: "labelled.csv")
            try workspace.write(DaemonBatches.invalid(), as: "broken.csv")
            let done = try await workspace.runOnce()
            #expect(await done.exitStatus() == 0, "\(done.stderr)")
            #expect(try workspace.report("labelled").decision == .bootstrapTrained)
            #expect(try workspace.report("unlabelled").models.serving == 1)
            #expect(try workspace.rejection("broken").issues.first?.line == 5)
            #expect(workspace.inboxFiles.isEmpty && workspace.claimedFiles.isEmpty)
            #expect(workspace.archiveFiles.count == 2 && workspace.quarantineFiles.count == 1)
            // No watching: it never said it was started as a service.
            #expect(done.events("service-started").isEmpty)
            #expect(!done.stderr.contains("wait for a champion"))
        }
    }
}
