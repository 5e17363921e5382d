import Foundation
import ShopperPipeline
import Testing
import ShopperTestSupport

extension DaemonEndToEndTests {
    /// `--on-event PROGRAM` on the real daemon: the program is run as `PROGRAM EVENT REPORT_PATH` (no
    /// shell) on drift, promotion, rejection and retrain-skipped; one that hangs is killed at the
    /// hook timeout and logged, while batches go on.
    @Suite struct DaemonHookTests {
        /// Whether `pid` names a live process (a zombie or a reaped one is not).
        static func isAlive(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let state = stat[stat.index(close, offsetBy: 2)]
            return state != "Z" && state != "X"
        }

        @Test func theHookGetsEventAndReportPathAndAHangingHookIsKilledWithoutHoldingUpBatches() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let log = workspace.root + "/hook.log"
            let pids = workspace.root + "/hook.pids"
            // Records its arguments; on a rejection it hangs, with a child, until killed.
            let hook = try workspace.writeScript("hook.sh", """
                #!/bin/sh
                printf '%s %s\\n' "$1" "$2" >> '\(log)'
                if [ "$1" = rejection ]; then
                  sleep 600 &
                  echo "$$ $!" > '\(pids).tmp' && mv '\(pids).tmp' '\(pids)'
                  wait
                fi

                """)
            let daemon = try await workspace.start(["--on-event", hook, "--set", "hook-timeout-seconds=6"])
            let outbox = workspace.outbox

            // A rejection: the hook starts and hangs.
            try workspace.deliver(DaemonBatches.invalid(), as: "broken.csv")
            #expect(await workspace.waitForOutcome("broken"))
            #expect(await eventually { FileManager.default.fileExists(atPath: pids) })
            let hung = try String(contentsOfFile: pids, encoding: .utf8).split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try #require(hung.count == 2)

            // Batches go on meanwhile: this one is done while the hook (and its child) still run.
            try workspace.deliver(DaemonBatches.stationary(part: 0, labelled: true), as: "calm.csv")
            #expect(await workspace.waitForOutcome("calm"))
            #expect(hung.allSatisfy(Self.isAlive), "the hook should still be running")
            #expect(daemon.events("hook-failed").isEmpty)

            // Drift with promotion, then drift whose retraining waits for labels (Aug–Oct: months
            // neither champion saw; a second Nov/Dec batch would match the promoted one's rows).
            try workspace.deliver(DaemonBatches.drifted(part: 0, labelled: true), as: "holiday.csv")
            try workspace.deliver(DaemonBatches.autumn(part: 0, labelled: false), as: "holiday-unlabelled.csv")
            #expect(await workspace.waitForOutcome("holiday"))
            #expect(await workspace.waitForOutcome("holiday-unlabelled"))
            #expect(try workspace.report("holiday").decision == .retrainPromoted)
            #expect(try workspace.report("holiday-unlabelled").decision == .scoreAwaitingLabels)

            // At the timeout the hook's whole process group is killed, and that is logged.
            let failed = try #require(await daemon.waitForEvent("hook-failed"))
            #expect(failed["HOOK_EVENT"] == "rejection" && failed["HOOK_PROGRAM"] == hook)
            #expect(failed["HOOK_OUTCOME"] == "still running after 6.0 s: killed")
            #expect(failed["REPORT"] == outbox + "/broken.rejected.json" && failed["PRIORITY"] == "4")
            #expect(await eventually { !hung.contains(where: Self.isAlive) })

            let expected = [
                "rejection \(outbox)/broken.rejected.json",
                "drift \(outbox)/holiday.report.json", "promotion \(outbox)/holiday.report.json",
                "drift \(outbox)/holiday-unlabelled.report.json", "retrain-skipped \(outbox)/holiday-unlabelled.report.json",
            ]
            #expect(await eventually {
                ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count >= expected.count
            })
            // Hooks run concurrently, so their lines may interleave in any order.
            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.sorted() == expected.sorted())
            #expect(daemon.events("hook-failed").count == 1)

            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
        }
    }
}
