import Foundation
import ShopperPipeline
import Testing
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

extension DaemonEndToEndTests {
    /// Nothing blocks the queue, and every input ends, on the real binary: a
    /// file the service user cannot read gets its outcome at once while later batches go on, and
    /// `run --once` always exits — with 75 when a transient failure left a batch pending.
    @Suite struct DaemonQueueTests {
        /// An operator's `cp` under umask 077 leaves a root-owned 0600 file the service (`nobody`
        /// here, `shopperd` under the unit) cannot open. It was retried forever, kept in the claim
        /// area the operator cannot clean without root, and every later batch waited behind it.
        @Test(.enabled(if: ServiceUser.unavailableReason == nil, "\(ServiceUser.unavailableReason ?? "")"))
        func aFileTheServiceCannotReadIsRejectedAtOnceAndBlocksNothing() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let daemon = try await ServiceUser.start(workspace)
            defer { daemon.send(SIGKILL) }

            try Self.deliverPrivately(DaemonBatches.stationary(rows: 50, part: 1), as: "secret.csv", in: workspace)
            try workspace.deliver(DaemonBatches.stationary(rows: 50, part: 2), as: "after-1.csv")
            try workspace.deliver(DaemonBatches.stationary(rows: 50, part: 3), as: "after-2.csv")
            for stem in ["secret", "after-1", "after-2"] {
                #expect(await workspace.waitForOutcome(stem), "no outcome for \(stem); stderr:\n\(daemon.stderr)")
            }
            #expect(workspace.exists("after-1.report.json") && workspace.exists("after-2.report.json"))

            let rejection = try workspace.rejection("secret")
            for words in ["secret.csv", "not readable by the service", "owned by root:root with mode 0600",
                          "shopperd runs as \(ServiceUser.name):\(ServiceUser.group)", "chmod g+r", "drop it again"] {
                #expect(rejection.reason.contains(words), "\(rejection.reason)")
            }
            // Out of the claim area, into the quarantine (a rename needs no read permission).
            #expect(rejection.keptAs.hasPrefix(workspace.state + "/quarantine/") && rejection.keptAs.hasSuffix("--secret.csv"))
            #expect(FileManager.default.fileExists(atPath: rejection.keptAs))
            #expect(await eventually { workspace.claimedFiles.isEmpty })
            #expect(daemon.events("error-retrying").isEmpty, "\(daemon.events("error-retrying").map { $0["MESSAGE"] ?? "" })")
            let rejected = try #require(daemon.events("batch-rejected").first { $0["SHOPPERD_BATCH"] == "secret.csv" })
            #expect(rejected["REASON"]?.contains("owned by root:root with mode 0600") == true)
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
        }

        /// Under the hardened unit the state is a mount of its own: filing in the quarantine would mean
        /// copying, which needs the read permission that is missing. The file is put back in the
        /// inbox under a hidden name the watcher ignores, where the operator can fix and rename it.
        @Test(.enabled(if: ServiceUser.unavailableReason == nil && FaultMounts.available, "needs root and mount(2)"))
        func acrossMountsAnUnreadableFileIsPutBackInTheInboxUnderAHiddenName() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            try FaultMounts.bindOnItself(workspace.state)
            defer { FaultMounts.unmount(workspace.state) }
            let daemon = try await ServiceUser.start(workspace)
            defer { daemon.send(SIGKILL) }

            try Self.deliverPrivately(DaemonBatches.stationary(rows: 50, part: 5), as: "secret.csv", in: workspace)
            try workspace.deliver(DaemonBatches.stationary(rows: 50, part: 6), as: "after.csv")
            for stem in ["secret", "after"] {
                #expect(await workspace.waitForOutcome(stem), "no outcome for \(stem); stderr:\n\(daemon.stderr)")
            }
            let rejection = try workspace.rejection("secret")
            #expect(rejection.keptAs.hasPrefix(workspace.inbox + "/.unreadable--") && rejection.keptAs.hasSuffix("--secret.csv"),
                    "\(rejection.keptAs)")
            #expect(await eventually { workspace.claimedFiles.isEmpty })
            #expect(workspace.inboxFiles == [String(rejection.keptAs.dropFirst(workspace.inbox.count + 1))])
            #expect(workspace.quarantineFiles.isEmpty && workspace.exists("after.report.json"))
            // The bytes are intact: the operator's fix is chmod and a rename.
            #expect(try String(contentsOfFile: rejection.keptAs, encoding: .utf8) == DaemonBatches.stationary(rows: 50, part: 5))
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
        }

        /// `run --once` with an outbox it cannot write (a read-only mount) for longer than the run:
        /// it tries the batch a few times, then exits 75 (EX_TEMPFAIL) with the batch still claimed;
        /// the next run, the outbox writable again, gives it its one outcome. It used to retry
        /// until the fault went away, however long that took.
        @Test(.enabled(if: FaultMounts.available, "\(FaultMounts.unavailableReason)"))
        func onceLeavesABatchPendingAfterTransientFailuresAndExits75() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            try FileManager.default.createDirectory(atPath: workspace.outbox, withIntermediateDirectories: true)
            try FaultMounts.makeReadOnly(workspace.outbox)
            var mounted = true
            defer { if mounted { FaultMounts.unmount(workspace.outbox) } }
            try workspace.write(DaemonBatches.stationary(rows: 50, part: 4), as: "stuck.csv")

            let once = try await workspace.runOnce(["--set", "retry-delay-seconds=0.2"])
            #expect(await once.exitStatus() == 75, "\(once.stderr)")
            #expect(once.stderr.contains("1 batch(es) left pending after 3 failed attempts (file-system errno 30)"), "\(once.stderr)")
            #expect(once.events("error-retrying").filter { $0["SHOPPERD_BATCH"] == "stuck.csv" }.count == 3)
            #expect(workspace.claimedFiles.count == 2 && workspace.outboxFiles.isEmpty)

            FaultMounts.unmount(workspace.outbox)
            mounted = false
            let next = try await workspace.runOnce()
            #expect(await next.exitStatus() == 0, "\(next.stderr)")
            #expect(workspace.outboxFiles == ["stuck.predictions.csv", "stuck.report.json"])
            #expect(workspace.claimedFiles.isEmpty && workspace.archiveFiles.count == 1)
            #expect(try workspace.store().jobs().count == 1)
        }

        /// The store locked by another process when `--once` starts: it used to exit 1 ("cannot open
        /// the store … database is locked"); it is a transient fault of the whole run: exit 75,
        /// saying which process to wait for, nothing claimed.
        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "needs the sqlite3 command-line tool"))
        func onceWithTheStoreLockedAtStartExits75() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            try workspace.write(DaemonBatches.stationary(rows: 50, part: 8), as: "later.csv")
            let database = workspace.state + "/shopperd.sqlite"
            let held = workspace.root + "/lock-held"
            let release = workspace.root + "/release-lock"
            let locker = try DaemonProcess(
                arguments: ["-cmd", "BEGIN IMMEDIATE;", "-cmd", ".shell touch \(held)",
                            "-cmd", ".shell i=0; while [ ! -e \(release) ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i+1)); done",
                            database, "COMMIT;"],
                executable: "/usr/bin/sqlite3")
            defer { _ = FileManager.default.createFile(atPath: release, contents: nil) }
            try #require(await eventually(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: held) }, "\(locker.stderr)")

            let once = try await workspace.runOnce()
            #expect(await once.exitStatus() == 75, "\(once.stderr)")
            let failed = try #require(once.events("service-failed").first, "\(once.stderr)")
            #expect(failed["ERROR"]?.contains("the store \(database) is locked") == true, "\(failed["ERROR"] ?? "")")
            #expect(workspace.inboxFiles == ["later.csv"] && workspace.outboxFiles.isEmpty)
        }

        /// Written under a hidden name with mode 0600 (root's, as under umask 077), then renamed in.
        static func deliverPrivately(_ contents: String, as name: String, in workspace: DaemonWorkspace) throws {
            let hidden = ".incoming-" + name
            let fd = try workspace.open(hidden)
            fchmod(fd, 0o600)
            do { try workspace.append(contents, to: fd) } catch { close(fd); throw error }
            close(fd)
            try workspace.rename(hidden, to: name)
        }
    }
}
