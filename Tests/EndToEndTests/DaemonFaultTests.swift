import Foundation
import ShopperCore
import ShopperStore
import Testing
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

extension DaemonEndToEndTests {
    /// Faults under the real daemon: an outbox that cannot be written, a full disk,
    /// a state directory turned read-only, a store another process keeps locked, a corrupt store.
    ///
    /// For the transient ones the contract is the same: the batch stays pending (claimed, not
    /// filed), it is retried with a growing delay, the journal event (`error-retrying`) and
    /// `STATUS=` say what failed, where, and what to do, and once the fault is cleared the batch
    /// gets exactly one outcome. A corrupt store is refused: exit status 65, the file untouched.
    @Suite(.enabled(if: FaultMounts.available, "\(FaultMounts.unavailableReason)"))
    struct DaemonFaultTests {
        /// Short backoff so a test sees several retries in a few seconds (0.2, 0.4, 0.8 … s).
        static let fastRetry = ["--set", "retry-delay-seconds=0.2"]

        @Test func readOnlyOutboxKeepsTheBatchPendingUntilItIsWritable() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            try FileManager.default.createDirectory(atPath: workspace.outbox, withIntermediateDirectories: true)
            let socket = try NotifySocket()
            let daemon = try await workspace.start(Self.fastRetry, environment: ["NOTIFY_SOCKET": socket.path])
            try FaultMounts.makeReadOnly(workspace.outbox)
            var mounted = true
            defer { if mounted { FaultMounts.unmount(workspace.outbox) } }

            try workspace.deliver(DaemonBatches.stationary(rows: 50, part: 1), as: "ro-outbox.csv")
            let retries = try await Self.expectRetries(daemon, socket: socket, batch: "ro-outbox.csv",
                                                       error: ["Read-only file system", workspace.outbox, "remount it read-write"],
                                                       status: "retrying (file-system errno 30)")
            // Pending: committed in the store (so it is not processed twice) but not delivered or filed.
            #expect(workspace.claimedFiles.count == 2 && workspace.archiveFiles.isEmpty && workspace.outboxFiles.isEmpty)

            FaultMounts.unmount(workspace.outbox)
            mounted = false
            try await Self.expectExactlyOneOutcome(workspace, daemon, stems: ["ro-outbox"], after: retries)
        }

        @Test func fullOutboxKeepsTheBatchPendingUntilSpaceIsFreed() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            try FaultMounts.tmpfs(at: workspace.outbox, kilobytes: 256)
            defer { FaultMounts.unmount(workspace.outbox) }
            let socket = try NotifySocket()
            let daemon = try await workspace.start(Self.fastRetry, environment: ["NOTIFY_SOCKET": socket.path])
            let filler = try FaultMounts.fill(workspace.outbox, name: ".filler")

            try workspace.deliver(DaemonBatches.stationary(rows: 300, part: 2), as: "full-outbox.csv")
            let retries = try await Self.expectRetries(daemon, socket: socket, batch: "full-outbox.csv",
                                                       error: ["No space left on device", workspace.outbox, "free space"],
                                                       status: "retrying (file-system errno 28)")
            #expect(workspace.claimedFiles.count == 2 && workspace.archiveFiles.isEmpty)
            // No partial file is left behind (a half-written temporary would keep the disk full).
            #expect(workspace.outboxFiles == [".filler"])

            unlink(filler)
            try await Self.expectExactlyOneOutcome(workspace, daemon, stems: ["full-outbox"], after: retries)
        }

        @Test func fullStateDiskKeepsTheBatchPendingUntilSpaceIsFreed() async throws {
            let workspace = try DaemonWorkspace()
            // The state on its own small file system: the bootstrapped store copied in, then 2 MB to spare.
            let template = try await BootstrappedTemplate.shared.value
            let size = try Self.treeSize(template)
            try FaultMounts.tmpfs(at: workspace.state, kilobytes: size / 1024 + 2048)
            defer { FaultMounts.unmount(workspace.state) }
            for name in try FileManager.default.contentsOfDirectory(atPath: template) {
                try FileManager.default.copyItem(atPath: template + "/" + name, toPath: workspace.state + "/" + name)
            }
            let socket = try NotifySocket()
            let daemon = try await workspace.start(Self.fastRetry, environment: ["NOTIFY_SOCKET": socket.path])
            let filler = try FaultMounts.fill(workspace.state, name: "filler")

            try workspace.deliver(DaemonBatches.stationary(rows: 300, part: 3), as: "full-state.csv")
            let retries = try await Self.expectRetries(daemon, socket: socket, batch: "full-state.csv",
                                                       error: ["is full", workspace.state + "/shopperd.sqlite", "Free space"],
                                                       status: "retrying (store)")
            #expect(workspace.claimedFiles.count == 2 && workspace.outboxFiles.isEmpty)

            unlink(filler)
            try await Self.expectExactlyOneOutcome(workspace, daemon, stems: ["full-state"], after: retries)
        }

        @Test func stateTurnedReadOnlyWhileRunningKeepsTheBatchPending() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            let daemon = try await workspace.start(Self.fastRetry, environment: ["NOTIFY_SOCKET": socket.path])
            try FaultMounts.makeReadOnly(workspace.state)
            var mounted = true
            defer { if mounted { FaultMounts.unmount(workspace.state) } }

            try workspace.deliver(DaemonBatches.stationary(rows: 50, part: 4), as: "ro-state.csv")
            // SQLite keeps the database files it already has open (writes through them still work);
            // what needs a new file under the state directory fails: filing the input in archive/.
            let retries = try await Self.expectRetries(daemon, socket: socket, batch: "ro-state.csv",
                                                       error: ["Read-only file system", workspace.state, "remount it read-write"],
                                                       status: "retrying (file-system errno 30)")
            #expect(workspace.claimedFiles.count == 2 && workspace.archiveFiles.isEmpty)

            FaultMounts.unmount(workspace.state)
            mounted = false
            try await Self.expectExactlyOneOutcome(workspace, daemon, stems: ["ro-state"], after: retries)
        }

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3"), "needs the sqlite3 command-line tool"))
        func storeLockedByAnotherProcessIsRetriedUntilTheLockIsReleased() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let socket = try NotifySocket()
            let daemon = try await workspace.start(Self.fastRetry, environment: ["NOTIFY_SOCKET": socket.path])

            // Another process takes the store's write lock and keeps it for 12 s (the daemon's
            // busy timeout is 5 s, so its first two attempts give up and are retried).
            let database = workspace.state + "/" + ShopperStore.fileName
            let held = workspace.root + "/lock-held"
            let locker = try DaemonProcess(
                arguments: ["-cmd", "BEGIN IMMEDIATE;", "-cmd", ".shell touch \(held)", "-cmd", ".shell sleep 12", database, "COMMIT;"],
                executable: "/usr/bin/sqlite3")
            try #require(await eventually(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: held) }, "\(locker.stderr)")

            try workspace.deliver(DaemonBatches.stationary(rows: 50, part: 5), as: "locked.csv")
            let retries = try await Self.expectRetries(daemon, socket: socket, batch: "locked.csv",
                                                       error: ["is locked", database, "held its write lock for more than 5 s"],
                                                       status: "retrying (store)")
            #expect(workspace.claimedFiles.count == 2 && workspace.outboxFiles.isEmpty)

            #expect(await locker.exitStatus(timeout: .seconds(30)) == 0, "\(locker.stderr)")
            try await Self.expectExactlyOneOutcome(workspace, daemon, stems: ["locked"], after: retries)
        }

        @Test func corruptStoreIsRefusedAndLeftForTheOperator() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let database = workspace.state + "/" + ShopperStore.fileName
            // Closing the last connection checkpoints the write-ahead log into the file and removes it,
            // so every page lives in the file the test damages.
            do { _ = try workspace.store() }
            try #require(!FileManager.default.fileExists(atPath: database + "-wal"))
            let backup = workspace.root + "/backup.sqlite"
            try FileManager.default.copyItem(atPath: database, toPath: backup)

            // Every page after the first overwritten: the header still says SQLite, the tables do not.
            let fd = open(database, O_WRONLY | O_CLOEXEC)
            #expect(fd >= 0)
            var info = stat()
            fstat(fd, &info)
            let garbage = [UInt8](repeating: 0xA5, count: Int(info.st_size) - 8192)
            #expect(pwrite(fd, garbage, garbage.count, 8192) == garbage.count)
            close(fd)
            let corrupted = try Data(contentsOf: URL(fileURLWithPath: database))
            // SQLite may add its empty -wal/-shm companions when it opens the file; nothing else may appear.
            let companions: (String) -> Bool = { $0.hasSuffix("-wal") || $0.hasSuffix("-shm") }
            let statesBefore = DaemonWorkspace.list(workspace.state).filter { !companions($0) }

            try workspace.deliver(DaemonBatches.stationary(rows: 50, part: 6), as: "after-damage.csv")
            let socket = try NotifySocket()
            let refused = try DaemonProcess(arguments: workspace.runArguments(), environment: ["NOTIFY_SOCKET": socket.path],
                                            directory: workspace.root)
            #expect(await refused.exitStatus(timeout: .seconds(60)) == 65)
            let failed = try #require(refused.events("service-failed").first, "\(refused.stderr)")
            let error = failed["ERROR"] ?? ""
            for words in ["is corrupt", database, "will not use it, repair it, replace it or create a new one", "restore"] {
                #expect(error.contains(words), "\(error)")
            }
            #expect(socket.statuses().contains { $0.hasPrefix("failed: the store \(database) is corrupt") }, "\(socket.statuses())")
            // Nothing was touched: the same bytes, no new files beside it, the batch still in the inbox.
            #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == corrupted)
            #expect(DaemonWorkspace.list(workspace.state).filter { !companions($0) } == statesBefore)
            #expect(workspace.inboxFiles == ["after-damage.csv"] && workspace.outboxFiles.isEmpty)

            // The operator restores the backup: the batch that waited gets its one outcome.
            try FileManager.default.removeItem(atPath: database)
            try FileManager.default.copyItem(atPath: backup, toPath: database)
            let daemon = try await workspace.start()
            try await Self.expectExactlyOneOutcome(workspace, daemon, stems: ["after-damage"], after: 0)
        }

        @Test func corruptionFoundWhileRunningStopsTheDaemonWithTheBatchPending() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let database = workspace.state + "/" + ShopperStore.fileName
            do { _ = try workspace.store() }  // checkpointed: every page in the file, none in a log
            let socket = try NotifySocket()
            let daemon = try await workspace.start(Self.fastRetry, environment: ["NOTIFY_SOCKET": socket.path])

            // Idle (its page caches released), the daemon's database is damaged under it: every
            // page after the first, where the bootstrap's rows, model and indexes live.
            let fd = open(database, O_WRONLY | O_CLOEXEC)
            try #require(fd >= 0)
            var info = stat()
            fstat(fd, &info)
            let garbage = [UInt8](repeating: 0xA5, count: Int(info.st_size) - 8192)
            #expect(pwrite(fd, garbage, garbage.count, 8192) == garbage.count)
            close(fd)

            try workspace.deliver(DaemonBatches.stationary(rows: 50, part: 7), as: "on-damage.csv")
            #expect(await daemon.exitStatus(timeout: .seconds(60)) == 65, "\(daemon.stderr)")
            let failed = try #require(daemon.events("service-failed").first, "\(daemon.stderr)")
            #expect(failed["ERROR"]?.contains("the store \(database) is corrupt") == true, "\(failed["ERROR"] ?? "")")
            #expect(socket.statuses().contains { $0.hasPrefix("failed: the store \(database) is corrupt") }, "\(socket.statuses())")
            // Not retried, not delivered: the batch waits in the spool for the operator.
            #expect(daemon.events("error-retrying").isEmpty)
            #expect(workspace.claimedFiles.count == 2 && workspace.outboxFiles.isEmpty && workspace.archiveFiles.isEmpty)
            #expect(FileManager.default.fileExists(atPath: database))
        }

        // MARK: - Shared checks

        /// Waits for the batch to be retried at least twice with a growing delay, each
        /// `error-retrying` naming the batch and carrying every phrase of `error`, and for a
        /// `STATUS=` that starts with `status` and names the same error. Returns how many
        /// retries were logged by then.
        static func expectRetries(_ daemon: DaemonProcess, socket: NotifySocket, batch: String, error: [String],
                                  status: String) async throws -> Int {
            let retried = await eventually(timeout: .seconds(90), every: .milliseconds(50)) {
                daemon.events("error-retrying").filter { $0["SHOPPERD_BATCH"] == batch }.count >= 2 || !daemon.isRunning
            }
            let retries = daemon.events("error-retrying").filter { $0["SHOPPERD_BATCH"] == batch }
            try #require(retried && retries.count >= 2, "expected retries of \(batch); stderr:\n\(daemon.stderr)")
            for event in retries {
                for phrase in error { #expect(event["ERROR"]?.contains(phrase) == true, "\(event["ERROR"] ?? "")") }
            }
            let delays = retries.compactMap { Int($0["RETRY_IN_MS"] ?? "") }
            #expect(delays.count == retries.count && zip(delays, delays.dropFirst()).allSatisfy { $0 < $1 }, "backoff \(delays)")
            let line = await socket.waitFor { $0.hasPrefix("STATUS=") && $0.contains(status) }
            #expect(line != nil, "STATUS lines: \(socket.statuses())")
            let statusLine = socket.statuses().first { $0.contains(status) } ?? ""
            #expect(error.allSatisfy { statusLine.contains($0) }, "\(statusLine)")
            return retries.count
        }

        /// Waits for each stem's outcome, stops the daemon, and checks there is exactly one: the
        /// report and predictions once, the input archived once, one delivered job in the store, one
        /// `batch-scored` event.
        static func expectExactlyOneOutcome(_ workspace: DaemonWorkspace, _ daemon: DaemonProcess, stems: [String],
                                            after retries: Int) async throws {
            // `batch-scored` comes once the input is filed and the job marked delivered (the outbox
            // files alone can exist earlier: delivery precedes filing, and is repeated on a retry).
            for stem in stems {
                #expect(await daemon.waitForEvent("batch-scored", batch: stem + ".csv", timeout: .seconds(120)) != nil,
                        "no outcome for \(stem); stderr:\n\(daemon.stderr)")
            }
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
            let names = Set(stems.map { $0 + ".csv" })
            let delivered: Set<String> = Set(workspace.outboxFiles.filter { !$0.hasPrefix(".") })
            let expected: Set<String> = Set(stems.flatMap { [$0 + ".predictions.csv", $0 + ".report.json"] })
            #expect(delivered == expected)
            #expect(workspace.claimedFiles.isEmpty && workspace.inboxFiles.isEmpty)
            #expect(workspace.archiveFiles.count == stems.count && workspace.quarantineFiles.isEmpty)
            let jobs = try workspace.store().jobs()
            #expect(jobs.count == stems.count && jobs.allSatisfy { $0.deliveredAt != nil && $0.outcome == .scored })
            #expect(Set(jobs.map { String(decoding: $0.inputName, as: UTF8.self) }) == names)
            let scored = daemon.events("batch-scored").compactMap { $0["SHOPPERD_BATCH"] }
            #expect(scored.count == stems.count && Set(scored) == names)
            #expect(retries == 0 || daemon.events("error-retrying").count >= retries)
        }

        /// Bytes under a directory (regular files).
        static func treeSize(_ directory: String) throws -> Int {
            var total = 0
            let enumerator = FileManager.default.enumerator(atPath: directory)
            while let name = enumerator?.nextObject() as? String {
                let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)
                if attributes[.type] as? FileAttributeType == .typeRegular { total += (attributes[.size] as? Int) ?? 0 }
            }
            return total
        }
    }
}
