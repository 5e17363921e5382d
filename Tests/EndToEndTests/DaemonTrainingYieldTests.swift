import Foundation
import ShopperPipeline
import ShopperStore
import Testing
import ShopperTestSupport
#if canImport(Glibc)
import Glibc
#endif

extension DaemonEndToEndTests {
    /// `training.yield-above`: the daemon's retrain pauses while `shopperd serve` on the same state
    /// answers at least that many requests a second, no longer than `training.background-seconds`.
    /// The server's side — the real `shopperd serve` keeping the count in the state directory — is
    /// `ServeEndToEndTests/everyMLflowFormScoresTheSameRows`; here the test keeps the same count
    /// through the same file, so that the load is known exactly, and the real daemon reads it.
    @Suite struct DaemonTrainingYieldTests {
        /// Drops a drifted labelled batch into a bootstrapped daemon (background limit `bound`
        /// seconds) while `busy` says whether 2,000 requests a second are counted meanwhile; the report.
        static func retrain(busy: Bool, bound: Int, extra: [String] = []) async throws -> BatchReport {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let daemon = try await workspace.start(["--set", "training.background-seconds=\(bound)"] + extra)
            let activity = try ServingActivity.forServing(in: URL(fileURLWithPath: workspace.state))
            let load = Task {
                while busy && !Task.isCancelled {
                    activity.add(20)
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "holiday.csv")
            let done = await workspace.waitForOutcome("holiday", timeout: .seconds(180))
            load.cancel()
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
            #expect(done)
            let report = try workspace.report("holiday")
            #expect(report.decision == .retrainPromoted, "\(report.reason)")
            return report
        }

        @Test func aRetrainPausesWhileLiveScoringIsBusyUntilItsBound() async throws {
            let timings = try await Self.retrain(busy: true, bound: 4).timingsMS
            let paused = try #require(timings.paused, "the retrain did not pause for a busy server")
            // The load never stopped: the pause lasted until the bound, 4 s from the training's
            // start, less the first window (50 ms) the load is measured over and the jobs run in it.
            #expect(paused >= 2_000 && paused <= 4_100, "paused \(paused) ms")
            #expect(timings.retrain >= paused)
        }

        @Test func aRetrainDoesNotPauseWithoutLoadOrWhenToldNever() async throws {
            #expect(try await Self.retrain(busy: false, bound: 4).timingsMS.paused == nil)
            #expect(try await Self.retrain(busy: true, bound: 4, extra: ["--set", "training.yield-above=0"]).timingsMS.paused == nil)
        }

        /// A stop ends the pause: the training goes on and the batch finishes within the stop's
        /// grace, although the load never drops and the bound is ten minutes away.
        @Test func aStopEndsThePauseSoTheBatchFinishesWithinTheGrace() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let daemon = try await workspace.start(["--set", "training.background-seconds=600", "--set", "stop-grace-seconds=90"])
            let activity = try ServingActivity.forServing(in: URL(fileURLWithPath: workspace.state))
            let load = Task {
                while !Task.isCancelled {
                    activity.add(20)
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            defer { load.cancel() }
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "holiday.csv")
            // Claimed, read, drift tested: the retrain has begun and pauses.
            let claimed = ContinuousClock.now
            while workspace.inboxFiles.contains("holiday.csv"), ContinuousClock.now - claimed < .seconds(60) {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .seconds(4))
            #expect(!FileManager.default.fileExists(atPath: workspace.outbox + "/holiday.report.json"),
                    "the batch finished before the stop: the test proves nothing")
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus(timeout: .seconds(120)) == 0)
            let report = try workspace.report("holiday")
            #expect(report.decision == .retrainPromoted, "\(report.reason)")
            let paused = try #require(report.timingsMS.paused)
            #expect(paused >= 1_000, "paused \(paused) ms")
        }
    }
}
