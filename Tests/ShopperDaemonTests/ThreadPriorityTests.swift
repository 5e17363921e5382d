import Foundation
import Testing
import ShopperDaemon
import ShopperTestSupport

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
        let trace = work.file("strace")
        let socket = try NotifySocket()
        // nice 0 whatever this test runs at (the unit sets no Nice=); strace records the priority
        // requests (and the exec, whose pid is the daemon's: nice and setpriv exec in place).
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let wrapper = ["/usr/bin/strace", "-f", "-qq", "-e", "trace=execve,setpriority", "-o", trace,
                       "/usr/bin/nice", "-n", String(-nice),
                       "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs",
                       "--bounding-set=-all", "--inh-caps=-all", "--"]
        let traced = try ProbeProcess(
            arguments: ["run", "--inbox", work.file("inbox"), "--outbox", work.file("outbox"), "--state", work.file("state"),
                        "--log-target", "journal"],
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "2000000"], wrapper: wrapper,
            executable: ProbeProcess.shopperdPath)
        let ready = try #require(await socket.waitFor(timeout: .seconds(120)) { $0 == "READY=1" }, "no READY=1: \(traced.stderrLines)")
        let pid = try #require(await RealDaemonSystemCallTests.tracedDaemonPID(in: trace, tracer: traced.pid))
        // A batch over 1 MiB, so the daemon's queues have work: the store's, the inotify
        // source, timers. (Not valid: a rejection is enough.)
        try FileOps.deliver("Administrative\n" + String(repeating: "1\n", count: 600_000), as: "large.csv", in: work.file("inbox"))
        #expect(await eventually(timeout: .seconds(60)) { FileManager.default.fileExists(atPath: work.file("outbox/large.rejected.json")) })
        #expect(await socket.waitFor(from: ready) { $0.hasPrefix("WATCHDOG=1") } != nil)
        kill(pid, SIGTERM)
        #expect(await traced.exitStatus(timeout: .seconds(60)) == 0)

        // The daemon's own stopping event proves its entries reached this journald...
        _ = try await Journald.waitForEntries(matching: ["MESSAGE_ID=\(DaemonEventKind.serviceStopping.messageID.hex)", "_PID=\(pid)"])
        // ...and none of them is libdispatch's complaint (syslog or otherwise).
        let all = try await Journald.entries(matching: ["_PID=\(pid)"])
        let complaints = all.compactMap { $0["MESSAGE"] as? String }.filter { $0.contains("Failed to set thread priority") }
        #expect(complaints.isEmpty, "\(complaints)")
        #expect(!traced.stderrLines.contains { $0.contains("Failed to set thread priority") })
        // The cause in shopperd's hands is gone: no queue of ours (or GRDB's) asks for
        // user-initiated priority (nice -2). What remains is libdispatch's event manager
        // (user-interactive, -4, fixed inside libdispatch), refused and silent.
        let requests = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").filter { $0.contains("setpriority(") }
        #expect(!requests.isEmpty, "the trace must see libdispatch start its worker threads")
        #expect(requests.allSatisfy { !$0.contains("setpriority(PRIO_PROCESS, 0, -2)") }, "\(requests)")
    }
}
