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
    }
}
