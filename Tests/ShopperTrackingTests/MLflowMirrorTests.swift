import Foundation
import ShopperStore
import Synchronization
import Testing
@testable import ShopperTracking

extension ShopperTrackingSuite {
    /// The mirror's replay, idempotency and failure handling, against `InMemoryMLflow` (see there why
    /// not a real server here; tests/mlflow runs the same scenarios against one).
    @Suite struct MLflowMirrorTests {
        static func settings(retryBase: Duration = .seconds(1)) throws -> MLflowSettings {
            try MLflowSettings(trackingURI: "http://127.0.0.1:5000", retryBase: retryBase, retryCap: .seconds(60))
        }

        /// A clock the test moves by hand.
        final class TestClock: Sendable {
            let time = Mutex(Date(timeIntervalSince1970: 2_000_000_000))
            var now: @Sendable () -> Date { { self.time.withLock { $0 } } }
            func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
        }

        @Test func aPassMirrorsEverythingAndASecondPassSendsNothing() async throws {
            let fixture = try await TrackingFixture.standard()
            let server = InMemoryMLflow()
            let settings = try Self.settings()
            let mirror = MLflowMirror(store: fixture.store, settings: settings, transport: server)

            let progress = await mirror.syncOnce()
            #expect(progress.failed.isEmpty)
            #expect(progress.mirrored == MirrorCounts(models: 2, aliasChanges: 4, jobs: 2))
            #expect(progress.pending.total == 0 && progress.waiting == 0)

            let training = server.runs(experiment: "shopperd-training")
            #expect(training.map(\.name) == ["model-1", "model-2"])
            #expect(training.allSatisfy { $0.status == "FINISHED" })
            for (index, run) in training.enumerated() {
                let version = index + 1
                #expect(run.tags["shopperd.entity"] == "model:\(version)")
                #expect(run.artifacts["model/model.json"] == (try fixture.store.modelFile(version: version)))
                #expect(run.artifacts["metrics.json"] != nil)
                #expect(run.params["tree_count"] == "12")
                #expect(run.metrics.contains { $0.key == "holdout.roc_auc" })
            }
            #expect(server.versions.map(\.runID) == training.map(\.id))
            #expect(server.versions.map(\.source) == training.map { "runs:/\($0.id)/model" })
            #expect(server.aliases == ["champion": "2"])
            #expect(server.versions[1].tags["shopperd.champion"]?.contains(": not significantly worse than champion v1 on held-out new rows") == true)
            #expect(server.versions[1].tags["shopperd.challenger"]?.hasSuffix(": promoted to champion") == true)

            let monitoring = server.runs(experiment: "shopperd-monitoring")
            #expect(monitoring.map { $0.tags["shopperd.entity"] }
                == ["job:\(try fixture.jobID(batch: 2))", "job:\(try fixture.jobID(batch: 3))"])
            let html = String(decoding: monitoring[1].artifacts["drift_report.html"] ?? Data(), as: UTF8.self)
            #expect(html.contains("Critical drift") && html.contains("Month"))
            #expect(monitoring[1].params["reference_model_version"] == "1")
            #expect(monitoring.allSatisfy { $0.status == "FINISHED" })

            let record = try #require(try fixture.store.mirrorRecord(target: settings.target, kind: .model, key: "2"))
            #expect(record.state == .done && record.runID == training[1].id && record.registeredVersion == "2")

            // Caught up: the next pass asks the store only.
            server.clearRequests()
            let again = await mirror.syncOnce()
            #expect(again.mirrored.total == 0 && again.failed.isEmpty)
            #expect(server.requests.isEmpty)
            let status = await mirror.status()
            #expect(status.health == .caughtUp && status.mirrored == MirrorCounts(models: 2, aliasChanges: 4, jobs: 2))
        }

        /// A write the server applied whose answer never came back (a crash or a cut connection between
        /// "written to MLflow" and "recorded in the store"), at every step that creates something.
        @Test func aLostAnswerNeverDuplicatesARunOrAVersion() async throws {
            let fixture = try await TrackingFixture.standard()
            let server = InMemoryMLflow()
            let mirror = MLflowMirror(store: fixture.store, settings: try Self.settings(), transport: server)
            server.inject(.loseAnswer, on: "/runs/create")
            server.inject(.loseAnswer, on: "/model-versions/create")
            server.inject(.loseAnswer, on: "/runs/log-batch")
            server.inject(.loseAnswer, on: "/runs/update")
            server.inject(.loseAnswer, on: "/registered-models/alias")
            server.inject(.loseAnswer, on: "/model-versions/set-tag")
            server.inject(.loseAnswer, on: "/experiments/create")

            var passes = 0
            var progress = MirrorProgress()
            repeat {
                progress = await mirror.syncOnce()
                passes += 1
            } while progress.pending.total > 0 && passes < 20
            #expect(progress.pending.total == 0)
            #expect(passes == 8, "each lost answer stops one pass")

            #expect(server.runs(experiment: "shopperd-training").count == 2)
            #expect(server.runs(experiment: "shopperd-monitoring").count == 2)
            #expect(server.versions.count == 2)
            #expect(server.aliases == ["champion": "2"])
            for run in server.runs(experiment: "shopperd-training") + server.runs(experiment: "shopperd-monitoring") {
                #expect(run.status == "FINISHED")
                // Replayed metrics carry the same timestamp: no metric has a second point at a step.
                #expect(Set(run.metrics.map { "\($0.key)@\($0.step)" }).count == run.metrics.count)
            }
        }

        @Test func anOutageIsReportedThenReplayedInOrder() async throws {
            let fixture = try await TrackingFixture.standard()
            let server = InMemoryMLflow()
            let mirror = MLflowMirror(store: fixture.store, settings: try Self.settings(), transport: server)
            var events = mirror.events.makeAsyncIterator()
            #expect(await mirror.syncOnce().failed.isEmpty)

            server.isDown = true
            // A labelled Dec batch retrains: model 3 tried as challenger, promoted, the challenger
            // alias removed; then an operator rolls the champion back to model 2.
            try await fixture.process(try fixture.batch("dec.csv", months: ["Dec"], limit: 150, labelled: true))
            try await fixture.shopperd(["models", "rollback", "--reason", "model 3 regressed"])

            let failed = await mirror.syncOnce()
            #expect(failed.stoppedEarly && failed.failed.count == 1 && failed.failed[0].serverUnavailable)
            #expect(failed.mirrored.total == 0)
            #expect(failed.pending == MirrorCounts(models: 1, aliasChanges: 4, jobs: 1))
            let behind = await mirror.status()
            #expect(behind.health == .behind)
            #expect(behind.lastError?.contains("unreachable") == true)
            #expect(behind.failures.map { "\($0.kind.rawValue):\($0.key)" } == ["model:3"])
            let fell = await events.next()
            #expect(fell == .fallingBehind(behind))
            #expect(fell?.message.contains("falling behind: 6 pending") == true)

            // Still down: another failed pass says nothing new.
            _ = await mirror.syncOnce()
            #expect(try fixture.store.mirrorRecord(target: try Self.settings().target, kind: .model, key: "3")?.attempts == 2)

            server.isDown = false
            server.clearRequests()
            let replay = await mirror.syncOnce()
            #expect(replay.failed.isEmpty && replay.pending.total == 0)
            #expect(replay.mirrored == MirrorCounts(models: 1, aliasChanges: 4, jobs: 1))
            let aliasCalls = server.requests.filter { $0.hasSuffix("/registered-models/alias") }
            #expect(aliasCalls == ["POST /api/2.0/mlflow/registered-models/alias", "POST /api/2.0/mlflow/registered-models/alias",
                                   "DELETE /api/2.0/mlflow/registered-models/alias", "POST /api/2.0/mlflow/registered-models/alias"])
            // The store's final state: champion back on model 2, no challenger.
            #expect(try fixture.store.aliases() == [.champion: 2])
            #expect(server.aliases == ["champion": "2"])
            #expect(server.versions[2].tags["shopperd.challenger"]?.hasSuffix(": promoted to champion") == true)
            #expect(server.versions[1].tags["shopperd.champion"]?.hasSuffix(": model 3 regressed") == true)
            let caught = await events.next()
            #expect(caught == .caughtUp(await mirror.status()))
            #expect(server.runs(experiment: "shopperd-training").count == 3)
            #expect(server.runs(experiment: "shopperd-monitoring").count == 3)
        }

        /// An error that concerns one entity waits for its own backoff; unrelated entities go on, and
        /// an alias never overtakes the model it points at (MLflow numbers versions in arrival order,
        /// so the mapping shopperd → MLflow version is explicit, not assumed).
        @Test func anEntitysOwnErrorWaitsWithoutBlockingTheRest() async throws {
            let fixture = try await TrackingFixture.standard()
            let server = InMemoryMLflow()
            let clock = TestClock()
            let settings = try Self.settings(retryBase: .seconds(10))
            let mirror = MLflowMirror(store: fixture.store, settings: settings, transport: server, now: clock.now)
            server.inject(.answer(400, "INVALID_PARAMETER_VALUE"), on: "/model-versions/create")

            let first = await mirror.syncOnce()
            #expect(first.failed.map(\.entity) == ["model:1"] && !first.failed[0].serverUnavailable)
            #expect(!first.stoppedEarly)
            #expect(first.mirrored == MirrorCounts(models: 1, aliasChanges: 0, jobs: 2))
            #expect(first.waiting == 4, "every alias change waits: the first points at model 1, the others keep their order")
            #expect(first.nextRetryAt == clock.now().addingTimeInterval(10))
            #expect(server.versions.map(\.runID) == [server.runs(experiment: "shopperd-training")[1].id], "model 2 became MLflow version 1")

            // Not due yet: nothing is sent.
            server.clearRequests()
            let early = await mirror.syncOnce()
            #expect(early.mirrored.total == 0 && early.failed.isEmpty && early.waiting == 5)
            #expect(server.requests.isEmpty)

            clock.advance(11)
            let due = await mirror.syncOnce()
            #expect(due.failed.isEmpty && due.pending.total == 0)
            #expect(due.mirrored == MirrorCounts(models: 1, aliasChanges: 4, jobs: 0))
            #expect(try fixture.store.mirrorRecord(target: settings.target, kind: .model, key: "1")?.registeredVersion == "2")
            #expect(try fixture.store.mirrorRecord(target: settings.target, kind: .model, key: "2")?.registeredVersion == "1")
            #expect(server.aliases == ["champion": "1"], "champion is shopperd model 2, MLflow version 1")
            #expect(server.runs(experiment: "shopperd-training").count == 2)
        }

        @Test func aForcedPassRetriesAtOnceAndAnEntitysErrorIsKept() async throws {
            let fixture = try await TrackingFixture.standard()
            let server = InMemoryMLflow()
            let settings = try Self.settings(retryBase: .seconds(600))
            let mirror = MLflowMirror(store: fixture.store, settings: settings, transport: server)
            server.inject(.answer(403, "PERMISSION_DENIED"), on: "/runs/create", times: 1)
            let first = await mirror.syncOnce()
            #expect(first.failed.count == 1)
            let status = await mirror.status()
            #expect(status.health == .behind)
            #expect(status.lastError?.contains("403 PERMISSION_DENIED") == true)
            #expect(status.failures.first?.nextAttemptAt != nil)
            let forced = await mirror.syncOnce(force: true)
            #expect(forced.failed.isEmpty && forced.pending.total == 0)
        }

        @Test func theBackgroundLoopBacksOffThenCatchesUp() async throws {
            let fixture = try await TrackingFixture.standard()
            let server = InMemoryMLflow()
            server.isDown = true
            let settings = try MLflowSettings(trackingURI: "http://127.0.0.1:5000", pollInterval: .seconds(30),
                                              retryBase: .milliseconds(50), retryCap: .milliseconds(400))
            let mirror = MLflowMirror(store: fixture.store, settings: settings, transport: server)
            var events = mirror.events.makeAsyncIterator()
            let loop = Task { await mirror.run() }

            guard case .fallingBehind? = await events.next() else {
                Issue.record("expected falling behind")
                return
            }
            // Backoff doubles from 50 ms to the 400 ms cap: a few passes in 1.5 s (50+100+200+400+400…
            // ms apart), not the hundreds a loop without backoff would make.
            try await Task.sleep(for: .milliseconds(1_500))
            let attempts = server.requests.count
            #expect(attempts >= 2 && attempts <= 8, "\(attempts) attempts in 1.5 s")
            server.isDown = false
            guard case .caughtUp(let status)? = await events.next() else {
                Issue.record("expected caught up")
                return
            }
            #expect(status.pending.total == 0 && status.mirrored.total == 8)

            // Nudged, it mirrors a new entity long before the 30 s poll.
            try await fixture.shopperd(["train", "--trees", "8", "--min-samples-leaf", "5", "--max-features", "sqrt"])
            await mirror.nudge()
            let deadline = ContinuousClock.now + .seconds(20)
            while try fixture.store.mirrorBacklog(target: settings.target).count > 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try fixture.store.mirrorBacklog(target: settings.target).isEmpty)
            loop.cancel()
            await loop.value  // returns promptly once cancelled
        }
    }
}
