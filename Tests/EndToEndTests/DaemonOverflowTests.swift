import Foundation
import ShopperStore
import Testing
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

extension DaemonEndToEndTests {
    /// The inotify queue overflowing: the kernel drops events, the daemon gets
    /// `IN_Q_OVERFLOW`, lists the inbox again, and every file still gets exactly one outcome.
    @Suite(.enabled(if: InotifyQueueLimit.writable, "needs root: lowers \(InotifyQueueLimit.path) for the daemon's inotify instance"))
    struct DaemonOverflowTests {
        static let fileCount = 300
        static let queueLimit = 64

        @Test func droppedInotifyEventsAreRecoveredByRescanning() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            // The daemon's instance gets a 64-event queue; the limit is back to normal once it watches.
            // No periodic listing during the test: only inotify and the overflow's rescan can find files.
            let daemon = try await InotifyQueueLimit.with(Self.queueLimit) {
                try await workspace.start(["--set", "rescan-interval-seconds=3600"])
            }
            #expect(try InotifyQueueLimit.read() != Self.queueLimit)

            // The daemon is stopped (SIGSTOP) while 300 files are written and renamed in: ~600 events
            // for a 64-event queue, so the kernel must drop most of them.
            let stems = (0..<Self.fileCount).map { String(format: "overflow-%03d", $0) }
            daemon.send(SIGSTOP)
            for (index, stem) in stems.enumerated() {
                try Data(DaemonBatches.stationary(rows: 3, part: index).utf8)
                    .write(to: URL(fileURLWithPath: workspace.inbox + "/." + stem + ".csv"))
            }
            for stem in stems { try workspace.rename("." + stem + ".csv", to: stem + ".csv") }
            let resumed = ContinuousClock.now
            daemon.send(SIGCONT)

            let overflow = try #require(await daemon.waitForEvent("inbox-overflow", timeout: .seconds(20)), "\(daemon.stderr)")
            #expect(Int(overflow["SHOPPERD_CLAIMED"] ?? "") ?? 0 > 0)
            #expect(overflow["PRIORITY"] == "4" && overflow["MESSAGE"]?.contains("fs.inotify.max_queued_events") == true)
            #expect(await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
                daemon.events("batch-scored").count >= Self.fileCount || !daemon.isRunning
            })
            let elapsed = ContinuousClock.now - resumed
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)

            // Exactly one outcome each.
            let expected = Set(stems.flatMap { [$0 + ".predictions.csv", $0 + ".report.json"] })
            #expect(Set(workspace.outboxFiles) == expected)
            #expect(workspace.inboxFiles.isEmpty && workspace.claimedFiles.isEmpty)
            #expect(workspace.archiveFiles.count == Self.fileCount && workspace.quarantineFiles.isEmpty)
            let jobs = try workspace.store().jobs()
            #expect(jobs.count == Self.fileCount && Set(jobs.map(\.id)).count == Self.fileCount)
            #expect(jobs.allSatisfy { $0.outcome == .scored && $0.deliveredAt != nil })
            let scored = daemon.events("batch-scored").compactMap { $0["SHOPPERD_BATCH"] }
            #expect(scored.count == Self.fileCount && Set(scored) == Set(stems.map { $0 + ".csv" }))
            print("overflow recovery: \(Self.fileCount) files in \(elapsed), \(daemon.events("inbox-overflow").count) overflow event(s)")
        }
    }
}
