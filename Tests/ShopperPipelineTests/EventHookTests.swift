import Foundation
import Testing
@testable import ShopperPipeline
import ShopperTestSupport

@Suite struct EventHookTests {
    /// Writes an executable script through a close-on-exec descriptor: a plain write could leak the
    /// writable descriptor into a process another test spawns at that moment, and exec'ing the
    /// script would then fail with "text file busy".
    private func script(_ temp: TemporaryDirectory, _ body: String) throws -> String {
        let path = temp.file("hook.sh")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        #expect(fd >= 0)
        let text = Array(("#!/bin/sh\n" + body + "\n").utf8)
        #expect(text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == text.count)
        close(fd)
        return path
    }

    @Test func passesEventAndReportAsSeparateArgumentsWithoutAShell() async throws {
        let temp = try TemporaryDirectory()
        let out = temp.file("args")
        let hook = EventHook(program: try script(temp, "printf '%s|' \"$@\" > \(out)"))
        let outcome = await hook.run(event: "drift", reportPath: "/tmp/a b;$(touch x).json")
        #expect(outcome == .exited(0))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "drift|/tmp/a b;$(touch x).json|")
    }

    @Test func reportsAFailingHook() async throws {
        let temp = try TemporaryDirectory()
        let hook = EventHook(program: try script(temp, "exit 3"))
        #expect(await hook.run(event: "promotion", reportPath: "r") == .exited(3))
    }

    @Test func killsAHangingHookAtTheDeadline() async throws {
        let temp = try TemporaryDirectory()
        let hook = EventHook(program: try script(temp, "sleep 30"), timeoutSeconds: 0.3)
        let started = ContinuousClock.now
        let outcome = await hook.run(event: "rejection", reportPath: "r")
        #expect(outcome == .timedOut(seconds: 0.3))
        // Behaviour, not speed: the hook was killed, not waited for (it would run 30 s). The bound
        // leaves a slow, loaded machine 80 times the deadline.
        #expect(ContinuousClock.now - started < .seconds(25))
    }

    @Test func theHookDoesNotInheritTheServiceManagersVariables() {
        let filtered = hookEnvironment(["PATH=/usr/bin", "NOTIFY_SOCKET=/run/systemd/notify", "WATCHDOG_USEC=1000000",
                                        "WATCHDOG_PID=4", "LISTEN_FDS=1", "HOME=/root", "NOTIFY_SOCKETS_X=keep"])
        #expect(filtered == ["PATH=/usr/bin", "HOME=/root", "NOTIFY_SOCKETS_X=keep"])
        #expect(currentEnvironment().contains { $0.hasPrefix("PATH=") })
    }

    @Test func aMissingProgramFailsToStart() async {
        let hook = EventHook(program: "/nonexistent/hook")
        #expect(await hook.run(event: "drift", reportPath: "r") == .failedToStart(errno: ENOENT))
    }
}
