import Foundation
import Testing
import ShopperDaemon

/// Under the hardened unit (user `shopperd`, no capabilities) every start logged "Failed to set
/// thread priority for worker thread … errno=13": libdispatch starts worker threads with
/// `setpriority` from their queue's QoS, and raising a priority needs CAP_SYS_NICE. Reproduced
/// outside systemd by running the real daemon as `nobody` with no capabilities, at nice 0 (as a
/// service starts), with a real journald listening on the syslog socket libdispatch logs to.
@Suite struct ThreadPriorityTests {
    @Test func anUnprivilegedDaemonLogsNoThreadPriorityFailure() async throws {
        try await Journald.ensureSyslogSocket()
        let work = try TemporaryDirectory("thread-priority")
        chmod(work.path, 0o777)
        let socket = try NotifySocket()
        // nice 0 whatever this test runs at: the unit sets no Nice=.
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let wrapper = ["/usr/bin/nice", "-n", String(-nice),
                       "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs",
                       "--bounding-set=-all", "--inh-caps=-all", "--"]
        let daemon = try ProbeProcess(
            arguments: ["run", "--inbox", work.file("inbox"), "--outbox", work.file("outbox"), "--state", work.file("state"),
                        "--log-target", "journal"],
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "2000000"], wrapper: wrapper,
            executable: ProbeProcess.shopperdPath)
        let ready = try #require(await socket.waitFor(timeout: .seconds(120)) { $0 == "READY=1" }, "no READY=1: \(daemon.stderrLines)")
        // A batch: the store's queues, the hashing queue, the inotify source, timers.
        try FileOps.deliver("Administrative\n1\n", as: "short.csv", in: work.file("inbox"))
        #expect(await eventually(timeout: .seconds(60)) { FileManager.default.fileExists(atPath: work.file("outbox/short.rejected.json")) })
        #expect(await socket.waitFor(from: ready) { $0.hasPrefix("WATCHDOG=1") } != nil)
        daemon.send(SIGTERM)
        #expect(await daemon.exitStatus(timeout: .seconds(60)) == 0)

        // The daemon's own stopping event proves its entries reached this journald...
        _ = try await Journald.waitForEntries(matching: ["MESSAGE_ID=\(DaemonEventKind.serviceStopping.messageID.hex)", "_PID=\(daemon.pid)"])
        // ...and none of them is libdispatch's complaint (syslog or otherwise).
        let all = try Journald.entries(matching: ["_PID=\(daemon.pid)"])
        let complaints = all.compactMap { $0["MESSAGE"] as? String }.filter { $0.contains("Failed to set thread priority") }
        #expect(complaints.isEmpty, "\(complaints)")
        #expect(!daemon.stderrLines.contains { $0.contains("Failed to set thread priority") })
    }
}
