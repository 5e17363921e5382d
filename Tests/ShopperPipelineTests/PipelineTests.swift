import Foundation
import ShopperCore
import ShopperML
import ShopperStore
import Testing
@testable import ShopperPipeline

@Suite(.serialized) struct PipelineTests {
    @Test func aLabelledFirstBatchTrainsTheChampionAndIsScored() async throws {
        let dirs = try PipelineDirectories()
        let pipeline = try await dirs.pipeline()
        try dirs.drop("spring.csv", Array(PipelineFixtures.bootstrap.prefix(1500)), labelled: true)
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        try await pipeline.drain(observer: observer)

        #expect(await observer.decisions == ["bootstrap-trained"])
        #expect(dirs.outboxFiles() == ["spring.predictions.csv", "spring.report.json"])
        let report = try dirs.report("spring")
        #expect(report.decision == .bootstrapTrained && report.rows == 1500 && report.storeVersion == 1)
        #expect(report.models.serving == 1 && report.models.championBefore == nil)
        let csv = try dirs.outboxText("spring.predictions.csv").split(separator: "\n")
        #expect(csv.count == 1501)
        #expect(csv[0] == "row,line,probability,label,model_version,prediction_id")
        #expect(csv[1].hasPrefix("1,2,") && csv[1].hasSuffix(",1,b1-1") && (csv[1].contains(",TRUE,") || csv[1].contains(",FALSE,")))
        #expect(dirs.temp.entries("state/archive").count == 1)
        #expect(dirs.temp.entries("inbox/.shopperd/claimed").isEmpty)
        #expect(try pipeline.store.aliases()[.champion] == 1)
        // Stored predictions are the file's rows.
        let stored = try pipeline.store.predictions(batchVersion: 1, modelVersion: 1)
        #expect(stored.count == 1500)
        #expect(Double(csv[1].split(separator: ",")[2]) == stored[0].probability)
    }

    @Test func unlabelledBatchesWaitForAChampionThenFollow() async throws {
        let dirs = try PipelineDirectories()
        let pipeline = try await dirs.pipeline()
        try dirs.drop("a-unlabelled.csv", Array(PipelineFixtures.heldBack.prefix(200)), labelled: false)
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        try await pipeline.drain(observer: observer)
        #expect(await observer.finished.isEmpty)
        #expect(await observer.waited.count == 1)
        #expect(await pipeline.waitingCount == 1)
        #expect(dirs.outboxFiles().isEmpty)

        try dirs.drop("b-labelled.csv", Array(PipelineFixtures.bootstrap.prefix(1500)), labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)
        #expect(await observer.finished.map(\.entry.name.description) == ["b-labelled.csv", "a-unlabelled.csv"])
        #expect(await observer.decisions.first == "bootstrap-trained")
        #expect(dirs.outboxFiles().filter { $0.hasSuffix(".report.json") }.count == 2)
        #expect(await pipeline.waitingCount == 0)
    }

    @Test func stationaryScoresDriftedLabelledRetrainsInvalidAndDuplicateAreRejected() async throws {
        let dirs = try PipelineDirectories()
        let pipeline = try await dirs.pipeline()
        let observer = RecordingObserver()
        try dirs.drop("0-bootstrap.csv", PipelineFixtures.bootstrap, labelled: true)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)

        try dirs.drop("1-stationary.csv", PipelineFixtures.spreadHeldBack, labelled: false)
        try dirs.drop("2-november.csv", Array(PipelineFixtures.november.prefix(800)), labelled: true)
        try dirs.dropText("3-invalid.csv", "Administrative,Month\n1,Feb\n")
        try dirs.drop("4-again.csv", PipelineFixtures.spreadHeldBack, labelled: false)
        try dirs.drop("5-nov-unlabelled.csv", Array(PipelineFixtures.november.suffix(300)), labelled: false)
        try await dirs.claimAll(pipeline)
        try await pipeline.drain(observer: observer)

        let decisions = await observer.decisions
        #expect(decisions.count == 6)
        #expect(decisions[1] == "score")
        #expect(decisions[2] == "retrain-promoted" || decisions[2] == "retrain-kept")
        #expect(decisions[3] == "reject")
        #expect(decisions[4] == "duplicate")

        let stationary = try dirs.report("1-stationary")
        #expect(stationary.drift?.criticalDrift == false)
        let november = try dirs.report("2-november")
        #expect(november.drift?.criticalDrift == true)
        #expect(november.drift?.drivers.contains(.month) == true)
        #expect(november.realised?.modelVersion == 1)
        // Reliability of the champion's served probabilities on the labelled batch.
        let realised = try #require(november.realised)
        let ece = try #require(realised.ece)
        let brier = try #require(realised.brier)
        #expect(ece >= 0 && ece <= 1 && brier > 0 && brier < 0.25, "ECE \(ece), Brier \(brier)")
        #expect(november.models.challenger == 2)
        let evaluation = try #require(november.models.evaluation)
        #expect(evaluation.rows == 240 && evaluation.positives > 0)
        let history = try pipeline.store.aliasHistory(.challenger)
        #expect(history.map(\.action) == [.promote, .remove])

        let rejected = try dirs.outboxText("3-invalid.rejected.json")
        #expect(rejected.contains("\"outcome\" : \"rejected\""))
        #expect(rejected.contains("ProductRelated"))
        #expect(dirs.temp.entries("state/quarantine").count == 2)
        let duplicate = try JSONDecoder().decode(RejectionReport.self, from: Data(contentsOf: URL(fileURLWithPath: dirs.outbox + "/4-again.rejected.json")))
        #expect(duplicate.outcome == "duplicate" && duplicate.duplicateOf?.storeVersion == 2)

        // After the November retrain, an unlabelled November batch is judged against the new champion's
        // reference when it was promoted (which includes November rows).
        let last = try dirs.report("5-nov-unlabelled")
        if decisions[2] == "retrain-promoted" {
            #expect(last.models.serving == 2)
        } else {
            #expect(last.decision == .scoreAwaitingLabels)
        }
        #expect(try pipeline.store.currentVersion() == 4)
        #expect(try pipeline.store.jobs().count == 6)
        #expect(dirs.temp.entries("inbox/.shopperd/claimed").isEmpty)
    }

    @Test func aCrashAfterTheCommitIsFinishedOnRestartWithoutDoingItTwice() async throws {
        let dirs = try PipelineDirectories()
        var pipeline = try await dirs.pipeline()
        try dirs.drop("spring.csv", Array(PipelineFixtures.bootstrap.prefix(1000)), labelled: true)
        try await dirs.claimAll(pipeline)
        let entry = try #require(try await pipeline.pending().first)
        // The daemon "dies" right after the commit: outbox not written, entry still in the spool.
        _ = try await pipeline.processor.process(entry)
        #expect(dirs.outboxFiles().isEmpty)
        pipeline = try await dirs.pipeline()
        let observer = RecordingObserver()
        try await pipeline.drain(observer: observer)
        #expect(await observer.finished.count == 1)
        #expect(dirs.outboxFiles() == ["spring.predictions.csv", "spring.report.json"])
        #expect(try pipeline.store.currentVersion() == 1)
        #expect(try pipeline.store.models().count == 1)
        #expect(try pipeline.store.jobs().count == 1)
        #expect(try pipeline.store.job(id: entry.id)?.deliveredAt != nil)
    }

    /// Found by the crash-consistency harness (Tests/Reliability): filing the input took it out of
    /// the spool before the delivery was recorded, so a crash between the two left the job
    /// undelivered forever. Filing is now the last step; here it fails for real (its directory
    /// replaced by a file) and the delivery must already be recorded, the entry still pending.
    @Test func theDeliveryIsRecordedBeforeTheInputIsFiledAway() async throws {
        let dirs = try PipelineDirectories()
        let pipeline = try await dirs.pipeline()
        try dirs.dropText("bad.csv", "not,a,shopper,batch\n1,2,3,4\n")
        try await dirs.claimAll(pipeline)
        let entry = try #require(try await pipeline.pending().first)
        let quarantine = dirs.state + "/quarantine"
        try FileManager.default.removeItem(atPath: quarantine)
        try dirs.temp.write("state/quarantine", "in the way")
        let observer = RecordingObserver()
        // Stops after the first failed filing (a stop already requested then would leave the
        // batch pending without a retry).
        try await pipeline.drain(observer: observer) { observer.hasRetried.value }
        #expect(await observer.retries.count == 1)
        #expect(dirs.outboxFiles() == ["bad.rejected.json"])
        #expect(try pipeline.store.job(id: entry.id)?.deliveredAt != nil)
        #expect(try await pipeline.pending() == [entry])

        try FileManager.default.removeItem(atPath: quarantine)
        try FileManager.default.createDirectory(atPath: quarantine, withIntermediateDirectories: false)
        try await pipeline.drain(observer: observer)
        #expect(await observer.finished.count == 1)
        #expect(try await pipeline.pending().isEmpty)
        #expect(dirs.temp.entries("state/quarantine") == [entry.id + "--bad.csv"])
        #expect(dirs.outboxFiles() == ["bad.rejected.json"])
        #expect(try pipeline.store.jobs().count == 1)
    }

    /// Found by the crash-consistency harness: a daemon killed while writing an outbox file left
    /// its hidden temporary there for good, one more per crash. Start-up removes dead writers'
    /// temporaries — and only those, and only when an unfinished entry could have left one.
    @Test func startUpRemovesTheTemporariesOfDeadWritersOnly() async throws {
        let dirs = try PipelineDirectories()
        _ = try dirs.temp.subdirectory("state/archive")
        _ = try dirs.temp.subdirectory("inbox/.shopperd/claimed")
        // The entry the killed daemon was finishing, still in the claim area.
        try dirs.temp.write("inbox/.shopperd/claimed/00000000000000000001.data", "Administrative\n")
        try dirs.temp.write("inbox/.shopperd/claimed/00000000000000000001.name", "a.csv")
        let dead = Int32.max  // above any pid_max: no process has it
        let leftovers = [
            "outbox/.a.predictions.csv.tmp-\(dead)", "outbox/.a.report.json.tmp-\(getpid())",
            "state/archive/.c--d.csv.tmp-\(dead)",
        ]
        // A live writer's, other hidden files, and the state directory itself (nothing writes
        // temporaries there, so it is not swept).
        let kept = ["outbox/.live.csv.tmp-\(getppid())", "outbox/.keep", "outbox/notes.tmp-\(dead)", "outbox/.x.tmp-12ab",
                    "state/.b.tmp-\(dead)"]
        for name in leftovers + kept { try dirs.temp.write(name, "partial") }
        _ = try await dirs.pipeline()
        for name in leftovers { #expect(!FileManager.default.fileExists(atPath: dirs.temp.file(name)), "\(name)") }
        for name in kept { #expect(FileManager.default.fileExists(atPath: dirs.temp.file(name)), "\(name)") }
    }

    /// Every temporary belongs to an unfinished entry (outcomes are written before the job is
    /// marked delivered, inputs filed before the entry leaves the spool), so with nothing pending
    /// start-up does not list the outbox and the archive at all: its cost does not grow with history.
    @Test func withNothingPendingStartUpSweepsNothing() async throws {
        let dirs = try PipelineDirectories()
        _ = try dirs.temp.subdirectory("state/archive")
        let stray = "outbox/.z.predictions.csv.tmp-\(Int32.max)"
        try dirs.temp.write(stray, "partial")
        _ = try await dirs.pipeline()
        #expect(FileManager.default.fileExists(atPath: dirs.temp.file(stray)))
    }

    @Test func refusedEntriesAreRejectedWithoutBeingRead() async throws {
        let dirs = try PipelineDirectories()
        var settings = PipelineFixtures.settings
        settings.maxFileBytes = 1000
        let pipeline = try await dirs.pipeline(settings)
        try dirs.temp.write("secret.txt", "not for the daemon")
        try FileManager.default.createSymbolicLink(atPath: dirs.inbox + "/link.csv", withDestinationPath: dirs.temp.file("secret.txt"))
        #expect(mkfifo(dirs.inbox + "/pipe.csv", 0o644) == 0)
        try dirs.dropText("big.csv", String(repeating: "x", count: 2000))
        try await dirs.claimAll(pipeline)
        let observer = RecordingObserver()
        try await pipeline.drain(observer: observer)
        #expect(await observer.decisions == ["reject", "reject", "reject"])
        let reasons = await observer.finished.compactMap(\.outcome.rejection?.reason).joined(separator: "\n")
        #expect(reasons.contains("symbolic link"))
        #expect(reasons.contains("FIFO"))
        #expect(reasons.contains("over the 1000-byte limit"))
        #expect(dirs.outboxFiles() == ["big.rejected.json", "link.rejected.json", "pipe.rejected.json"])
        #expect(try pipeline.store.currentVersion() == 0)
    }
}
