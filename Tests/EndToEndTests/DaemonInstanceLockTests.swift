import Foundation
import Testing

extension DaemonEndToEndTests {
    /// One daemon per state directory and inbox: a second `shopperd run` (or `run --once` from
    /// cron while the service runs) would see the first one's claimed batches as pending and process
    /// them twice, so it refuses to start, names the holder, and exits 75 (EX_TEMPFAIL).
    @Suite struct DaemonInstanceLockTests {
        @Test func aSecondDaemonOnTheSameDirectoriesRefusesAndTheFirstGoesOn() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let first = try await workspace.start()

            // The same directories, once: refused before it claims anything.
            try workspace.deliver(DaemonBatches.stationary(part: 0), as: "while-running.csv")
            let second = try await DaemonProcess.run(workspace.runArguments(["--once"]))
            #expect(second.status == 75, "\(second.stderr)")
            #expect(second.stderr.contains("another shopperd (pid \(first.pid)) is running on these directories"), "\(second.stderr)")
            #expect(second.stderr.contains("systemctl stop shopperd"))

            // Another state directory but the same inbox: refused too (the claim area is the inbox's).
            let otherState = workspace.root + "/other-state"
            let third = try await DaemonProcess.run(
                ["run", "--inbox", workspace.inbox, "--outbox", workspace.outbox, "--state", otherState, "--log-target", "stderr", "--once"])
            #expect(third.status == 75, "\(third.stderr)")
            #expect(third.stderr.contains("pid \(first.pid)") && third.stderr.contains("/.shopperd/lock"), "\(third.stderr)")
            #expect(!FileManager.default.fileExists(atPath: otherState + "/shopperd.sqlite"))

            // The first daemon processed the batch exactly once, unaffected.
            #expect(await workspace.waitForOutcome("while-running"))
            #expect(try workspace.store().jobs().count == 1)
            first.send(SIGTERM)
            #expect(await first.exitStatus() == 0)

            // Stopped (or killed: the kernel drops the lock with the process), the directories are free.
            let killed = try await workspace.start()
            killed.send(SIGKILL)
            _ = await killed.exitStatus()
            try workspace.deliver(DaemonBatches.stationary(part: 1), as: "after.csv")
            let once = try await DaemonProcess.run(workspace.runArguments(["--once"]))
            #expect(once.status == 0, "\(once.stderr)")
            #expect(workspace.hasOutcome("after"))
            #expect(try workspace.store().jobs().count == 2)
        }
    }
}
