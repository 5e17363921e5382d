import Foundation
import ShopperCore
import ShopperInbox
import ShopperPipeline
import ShopperStore
import Testing
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

extension DaemonEndToEndTests {
    /// The corpus's inbox-level hostile inputs through the real daemon: each generator
    /// materialised in a real inbox watched by a real `shopperd run`, grouped so that ten daemons
    /// cover the 28 cases (``HostileInboxGroup``). For every case: the expected outcome (the
    /// rejection's reason, or the accepted rows of the final bytes), no outcome while a `wait`
    /// condition holds, the daemon alive afterwards (a fresh batch is still scored), nothing partial
    /// stored (one store version per accepted input, with exactly that input's SHA-256), and nothing
    /// outside the inbox, outbox and state read or written (link targets keep their bytes, mtime and
    /// link count; `/etc/passwd` appears in no output, no file of the state is another name of an
    /// outside file).
    @Suite struct DaemonHostileInboxTests {
        /// How long a `wait` condition is held: more than the rescan's 2 s settle time plus two
        /// rescans (`rescan-interval-seconds=1`), so a rescan that took an unfinished file would show.
        static let hold: Duration = .seconds(4)

        @Test func everyInboxCaseOfTheManifestHasADriverAndAGroup() throws {
            let cases = try HostileInboxCorpus.load()
            #expect(cases.count == 28)
            let grouped = HostileInboxGroup.all.flatMap(\.cases)
            #expect(grouped.count == Set(grouped).count, "a case in two groups")
            #expect(Set(grouped) == Set(cases.map(\.name)), "cases without a group or groups naming unknown cases")
            for hostile in cases {
                let kind = hostile.generator.flatMap { HostileInboxKind(rawValue: $0.kind) }
                #expect(kind != nil, "\(hostile.name): no driver for generator \(hostile.generator?.kind ?? "nil")")
                #expect(hostile.entryName.flatMap { InboxFileName(bytes: $0) } != nil, "\(hostile.name): no entry name")
                #expect(["accepted", "rejected", "wait"].contains(hostile.expect), "\(hostile.name): \(hostile.expect)")
                if hostile.expect == "rejected" { #expect(hostile.reason != nil, "\(hostile.name)") }
                if kind == .openWriter {
                    let phrases = (hostile.generator?.writes ?? []) + [hostile.generator?.then ?? ""]
                    #expect(phrases.allSatisfy { WriterStep(rawValue: $0) != nil }, "\(hostile.name): \(phrases)")
                }
            }
            // Each group runs with exactly the settings its cases ask for.
            for group in HostileInboxGroup.all {
                var wanted: [String: Int] = [:]
                for hostile in cases where group.cases.contains(hostile.name) {
                    for (key, value) in hostile.generator?.config ?? [:] {
                        #expect(wanted[key] == nil || wanted[key] == value, "\(group.name): \(key) differs between cases")
                        wanted[key] = value
                    }
                }
                let defaults = ["max-file-bytes": PipelineSettings().maxFileBytes]
                let effective = defaults.merging(group.settings) { $1 }
                #expect(effective == defaults.merging(wanted) { $1 }, "\(group.name): settings \(group.settings), cases want \(wanted)")
            }
        }

        @Test(arguments: HostileInboxGroup.all)
        func hostileInboxGroup(_ group: HostileInboxGroup) async throws {
            let started = ContinuousClock.now
            let cases = try HostileInboxCorpus.load().filter { group.cases.contains($0.name) }
            try #require(cases.count == group.cases.count)
            let workspace = try await DaemonWorkspace.bootstrapped()
            let driver = try HostileInboxDriver(workspace: workspace)
            let passwd = try FileSnapshot("/etc/passwd")
            let settings = group.settings.sorted { $0.key < $1.key }.flatMap { ["--set", "\($0.key)=\($0.value)"] }
            let daemon = try await workspace.start(
                ["--set", "rescan-interval-seconds=1", "--set", "retrain.min-labelled-rows=1000000"] + settings)

            for hostile in cases { try await driver.materialise(hostile) }
            let outsideBefore = try FileSnapshot.tree(driver.outside)

            // `wait`: no outcome and no claim while the condition holds; then the step that ends it.
            let materialised = ContinuousClock.now
            if !driver.waits.isEmpty {
                var broken = Set<String>()  // one issue per case, not one per poll
                let holdEnd = ContinuousClock.now + Self.hold
                while ContinuousClock.now < holdEnd {
                    let outbox = workspace.outboxFiles
                    for wait in driver.waits where !broken.contains(wait.caseName) {
                        let stems = [wait.name, wait.final].map { InboxFileName(bytes: $0)!.outboxStem + "." }
                        if !driver.exists(wait.name) || outbox.contains(where: { file in stems.contains { file.hasPrefix($0) } }) {
                            Issue.record("\(wait.caseName): claimed or given an outcome while its condition held")
                            broken.insert(wait.caseName)
                        }
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                for wait in driver.waits { try await wait.then() }
            }

            // A fresh batch after the hostile ones: the daemon is alive and still scores.
            let alive = DaemonBatches.stationary(rows: 3, part: 5)
            let arrivals = driver.arrivals + [HostileArrival(caseName: "alive-after", name: Array("alive-after.csv".utf8),
                                                             outcome: .accepted(rows: 3, bytes: Array(alive.utf8)))]
            #expect(await eventually(timeout: .seconds(120), every: .milliseconds(50)) {
                Self.outcomeCount(workspace) >= arrivals.count - 1 || !daemon.isRunning
            }, "\(group.name): \(Self.outcomeCount(workspace)) outcomes of \(arrivals.count - 1)")
            let settled = ContinuousClock.now
            try workspace.deliver(alive, as: "alive-after.csv")
            #expect(await workspace.waitForOutcome("alive-after"))
            #expect(daemon.isRunning)
            let memory = Self.processFigures(daemon.pid)
            // One outcome each, and no more arrive late.
            try await Task.sleep(for: .milliseconds(300))
            #expect(Self.outcomeCount(workspace) == arrivals.count)
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)

            for (name, check) in driver.afterwards {
                if let failure = try check() { Issue.record("\(name): \(failure)") }
            }
            try Self.checkOutcomes(arrivals, in: workspace, group: group.name)
            try Self.checkStore(arrivals, in: workspace)
            try Self.checkEscapedNames(arrivals, daemon: daemon, workspace: workspace)
            try Self.checkNothingOutsideTouched(workspace, outside: driver.outside, before: outsideBefore, passwd: passwd, daemon: daemon)
            if group.name == "large" {
                // The 8 GiB sparse file is refused from its size, never read: the daemon read about
                // the two 200 MB files and little else.
                #expect(memory.readBytes < 1 << 30, "read \(memory.readBytes) bytes")
                #expect(memory.peakKB < 1_600_000, "peak RSS \(memory.peakKB) kB")
            }
            print("hostile inbox group \(group.name): \(cases.count) cases, \(arrivals.count) arrivals, "
                  + "\(ContinuousClock.now - started) (materialised in \(materialised - started), outcomes after \(settled - materialised)), daemon peak RSS \(memory.peakKB) kB, read \(memory.readBytes) bytes")
        }

        /// The claim's writer probe without `CAP_LEASE`, as under the hardened unit: a file owned by
        /// another user cannot be leased (`EACCES`), so the settle rule decides and the finished
        /// file is still taken; the daemon's own files are still protected while open.
        @Test func withoutCapLeaseOtherUsersFilesAreStillTakenAndOwnOpenFilesStillWait() async throws {
            let workspace = try await DaemonWorkspace.bootstrapped()
            let daemon = try DaemonProcess(
                arguments: ["--bounding-set=-lease", "--inh-caps=-lease", ShopperdBinary.url.path]
                    + workspace.runArguments(["--set", "rescan-interval-seconds=1", "--set", "retrain.min-labelled-rows=1000000"]),
                directory: workspace.root, executable: "/usr/bin/setpriv")
            try await daemon.waitUntilStarted()
            let leases = try String(contentsOfFile: "/proc/\(daemon.pid)/status", encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("CapEff:") }.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
            try #require(leases.map { $0 & (1 << 28) == 0 } == true, "the daemon still has CAP_LEASE")

            // Another user's finished file: the lease is refused, the file is taken all the same.
            let other = DaemonBatches.stationary(rows: 3, part: 11)
            let staging = workspace.root + "/other.csv"
            try HostileInboxDriver.writeFile(staging, Array(other.utf8))
            #expect(chown(staging, 65_534, 65_534) == 0)
            #expect(rename(staging, workspace.inbox + "/other.csv") == 0)
            #expect(await workspace.waitForOutcome("other"))
            #expect(try workspace.report("other").rows == 3)

            // Its own file, still open for writing: not taken while open, whole once closed.
            let mine = DaemonBatches.stationary(rows: 3, part: 12)
            let fd = try workspace.open("mine.csv")
            let cut = mine.index(mine.firstIndex(of: "\n")!, offsetBy: 20)
            try workspace.append(String(mine[..<cut]), to: fd)
            let held = await eventually(timeout: Self.hold) { workspace.hasOutcome("mine") || !workspace.inboxFiles.contains("mine.csv") }
            #expect(!held, "claimed while open")
            try workspace.append(String(mine[cut...]), to: fd)
            close(fd)
            #expect(await workspace.waitForOutcome("mine"))
            #expect(try workspace.report("mine").rows == 3)
            daemon.send(SIGTERM)
            #expect(await daemon.exitStatus() == 0)
        }

        // MARK: - Checks

        static func outcomeCount(_ workspace: DaemonWorkspace) -> Int {
            workspace.outboxFiles.filter { $0.hasSuffix(".report.json") || $0.hasSuffix(".rejected.json") }.count
        }

        /// Each arrival has exactly one job and its outbox files; rejections carry the reason,
        /// accepted batches their rows; the outbox holds nothing else; inputs are filed once.
        static func checkOutcomes(_ arrivals: [HostileArrival], in workspace: DaemonWorkspace, group: String) throws {
            let jobs = try workspace.store().jobs().sorted { $0.id < $1.id }
            #expect(jobs.count == arrivals.count, "\(group): \(jobs.count) jobs for \(arrivals.count) arrivals")
            var expectedFiles = Set<String>()
            for name in Set(arrivals.map(\.name)) {
                let wanted = arrivals.filter { $0.name == name }
                let got = jobs.filter { $0.inputName == name }
                let label = InboxFileName(bytes: name)!.description
                guard got.count == wanted.count else {
                    Issue.record("\(wanted[0].caseName): \(label) has \(got.count) outcomes, expected \(wanted.count)")
                    continue
                }
                for (arrival, job) in zip(wanted, got) {
                    expectedFiles.formUnion(OutboxWriter.files(of: job))
                    #expect(job.deliveredAt != nil, "\(arrival.caseName): not delivered")
                    switch arrival.outcome {
                    case .rejected(let reason):
                        #expect(job.outcome == .rejected, "\(arrival.caseName): \(label) was \(job.outcome)")
                        guard job.outcome != .scored else { continue }
                        let rejection = try workspace.rejection(job.outboxStem)
                        // The reason line, or for a row-level fault the issue naming line and column.
                        let said = [rejection.reason] + rejection.issues.map { "\($0.file):\($0.line.map(String.init) ?? "") \($0.column): \($0.reason)" }
                        #expect(said.contains { $0.contains(reason) }, "\(arrival.caseName): \(said.prefix(3))")
                        #expect(rejection.input == label)
                    case .accepted(let rows, _):
                        let why = String(decoding: job.report, as: UTF8.self)
                        #expect(job.outcome == .scored, "\(arrival.caseName): \(label) was \(job.outcome): \(why)")
                        guard job.outcome == .scored else { continue }
                        let report = try workspace.report(job.outboxStem)
                        #expect(report.rows == rows && job.rowCount == rows, "\(arrival.caseName): \(report.rows) rows, expected \(rows)")
                        #expect(report.input == label)
                        let table = try workspace.predictions(job.outboxStem)
                        #expect(table.count == rows + 1)
                        #expect(table.joined().allSatisfy(isInertCell), "\(arrival.caseName): a cell a spreadsheet would run")
                    }
                }
            }
            #expect(Set(workspace.outboxFiles) == expectedFiles, "outbox: \(Set(workspace.outboxFiles).symmetricDifference(expectedFiles))")
            // Outbox names made from hostile names: ASCII letters, digits, . _ - + ~ only, never
            // starting with . or -, the stem at most 120 bytes (plus a ~N suffix).
            for file in workspace.outboxFiles {
                let stem = file.replacingOccurrences(of: #"\.(predictions\.csv|report\.json|rejected\.json)$"#, with: "", options: .regularExpression)
                #expect(file.utf8.allSatisfy { $0 < 0x80 && (isalnum(Int32($0)) != 0 || "._-+~".utf8.contains($0)) }, "unsafe outbox name \(file)")
                #expect(!file.hasPrefix(".") && !file.hasPrefix("-") && stem.split(separator: "~")[0].utf8.count <= 120, "\(file)")
            }
            let accepted = arrivals.filter { if case .accepted = $0.outcome { true } else { false } }.count
            #expect(workspace.archiveFiles.count == accepted)
            #expect(workspace.quarantineFiles.count == arrivals.count - accepted)
            #expect(workspace.inboxFiles.isEmpty, "left in the inbox: \(workspace.inboxFiles)")
            #expect(workspace.claimedFiles.isEmpty, "left claimed: \(workspace.claimedFiles)")
        }

        /// A predictions cell is a number, a boolean or a header name: nothing a spreadsheet would
        /// evaluate (`=`, `+`, `@`, `-` not followed by a digit, a leading tab or CR).
        static func isInertCell(_ cell: String) -> Bool {
            guard let first = cell.first else { return true }
            if "=+@\t\r".contains(first) { return false }
            if first == "-" { return cell.dropFirst().first?.isNumber == true }
            return true
        }

        /// Nothing partial: the store gained exactly one version per accepted input (the bootstrap
        /// is version 1), each with that input's final bytes' SHA-256 and rows.
        static func checkStore(_ arrivals: [HostileArrival], in workspace: DaemonWorkspace) throws {
            let store = try workspace.store()
            let versions = try store.versions().filter { $0.version > 1 }
            var wanted: [String: Int] = [:]
            for arrival in arrivals {
                if case .accepted(let rows, let bytes) = arrival.outcome { wanted[SHA256.hex(of: bytes)] = rows }
            }
            #expect(try store.currentVersion() == 1 + wanted.count)
            #expect(versions.count == wanted.count)
            #expect(Dictionary(versions.map { ($0.sha256, $0.rowCount) }) { $1 } == wanted)
            for version in versions {
                #expect(try store.sessions(fromVersion: version.version, throughVersion: version.version).count == version.rowCount)
            }
        }

        /// Hostile names are shown escaped in reports and messages (one line each); the journal's
        /// `SHOPPERD_BATCH` keeps the exact bytes (a JSON string, or an array of byte values when
        /// they are not UTF-8, as `journalctl -o json` writes them).
        static func checkEscapedNames(_ arrivals: [HostileArrival], daemon: DaemonProcess, workspace: DaemonWorkspace) throws {
            var messages: [[UInt8]: [String]] = [:]
            for event in daemon.events("batch-scored") + daemon.events("batch-rejected") {
                let field = event.fields["SHOPPERD_BATCH"]
                guard let bytes = (field as? String).map({ Array($0.utf8) }) ?? (field as? [Int])?.map({ UInt8($0) }) else {
                    Issue.record("an event without SHOPPERD_BATCH: \(event.fields)")
                    continue
                }
                messages[bytes, default: []].append(event["MESSAGE"] ?? "")
            }
            for arrival in arrivals {
                let label = InboxFileName(bytes: arrival.name)!.description
                let logged = messages[arrival.name] ?? []
                #expect(!logged.isEmpty, "\(arrival.caseName): no event for \(label)")
                #expect(logged.allSatisfy { $0.contains("batch " + label + " ") && !$0.contains("\n") }, "\(arrival.caseName): \(logged)")
                #expect(!label.contains("\n") && label.unicodeScalars.allSatisfy { $0.value >= 0x20 })
            }
            let names = arrivals.map { InboxFileName(bytes: $0.name)! }
            if let newline = names.first(where: { $0.bytes.contains(0x0A) }) {
                #expect(newline.description == #"bad\nname.csv"#)
                #expect(newline.outboxStem == "bad_name")
            }
            if let latin1 = names.first(where: { $0.string == nil }) {
                #expect(latin1.description.lowercased() == #"caf\xe9.csv"#)
            }
            for name in names where name.bytes.first == UInt8(ascii: "-") || name.bytes.first == UInt8(ascii: "=") {
                #expect(name.outboxStem.hasPrefix("_"))
            }
            // Every line the daemon logged is one whole JSON object: no name broke a line.
            for line in daemon.stderr.split(separator: "\n") where line.hasPrefix("{") {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)")
            }
        }

        /// Nothing outside the daemon's directories read into or written by it.
        static func checkNothingOutsideTouched(
            _ workspace: DaemonWorkspace, outside: String, before: [String: FileSnapshot], passwd: FileSnapshot, daemon: DaemonProcess
        ) throws {
            let after = try FileSnapshot.tree(outside)
            #expect(after == before, "outside changed: \(Set(after.keys).symmetricDifference(before.keys))")
            #expect(after.values.allSatisfy { $0.links == 1 }, "an outside file still has another name (kept by the daemon?)")
            #expect(try FileSnapshot("/etc/passwd") == passwd)
            let outsideInodes = Set(after.values.map(\.inode))
            let secret = Array(String(decoding: passwd.bytes.prefix { $0 != 0x0A }, as: UTF8.self).utf8)
            #expect(secret.count > 8)
            for directory in [workspace.outbox, workspace.state, workspace.inbox] {
                for (path, file) in try FileSnapshot.tree(directory) {
                    #expect(!outsideInodes.contains(file.inode), "\(path) is another name of an outside file")
                    #expect(!file.bytes.contains(secret), "\(path) holds /etc/passwd's first line")
                }
            }
            #expect(!Array((daemon.stderr + daemon.stdout).utf8).contains(secret))
        }

        /// The daemon's peak resident memory (`VmHWM`) and the bytes it read (`rchar`).
        static func processFigures(_ pid: Int32) -> (peakKB: Int, readBytes: Int) {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let io = (try? String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8)) ?? ""
            func field(_ text: String, _ key: String) -> Int {
                text.split(separator: "\n").first { $0.hasPrefix(key) }
                    .flatMap { Int($0.dropFirst(key.count).trimmingCharacters(in: .whitespaces).split(separator: " ")[0]) } ?? -1
            }
            return (field(status, "VmHWM:"), field(io, "rchar:"))
        }
    }
}

/// A regular file's bytes and identity, to prove it unchanged. Symlinks are never followed, other
/// entry types are recorded without being opened, and files over 16 MiB (the 200 MB and sparse
/// inputs the test made itself) only by size. The link count is kept but not compared: a hard
/// link's target has two names while the link waits in the inbox.
struct FileSnapshot: Equatable {
    let bytes: [UInt8]
    let size: Int
    let modified: [Int]
    let links: Int
    let inode: [UInt64]

    init(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw DaemonTestError("lstat \(path): errno \(errno)") }
        size = Int(info.st_size)
        modified = [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
        links = Int(info.st_nlink)
        inode = [UInt64(info.st_dev), UInt64(info.st_ino)]
        bytes = info.st_mode & S_IFMT == S_IFREG && size <= 16 << 20 ? Array(try Data(contentsOf: URL(fileURLWithPath: path))) : []
    }

    static func == (lhs: FileSnapshot, rhs: FileSnapshot) -> Bool {
        lhs.bytes == rhs.bytes && lhs.size == rhs.size && lhs.modified == rhs.modified && lhs.inode == rhs.inode
    }

    /// Every regular file under `directory` (not following symlinks), by path.
    static func tree(_ directory: String) throws -> [String: FileSnapshot] {
        var found: [String: FileSnapshot] = [:]
        for name in DaemonWorkspace.list(directory) {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: found.merge(try tree(path)) { $1 }
            case S_IFREG: found[path] = try FileSnapshot(path)
            default: continue
            }
        }
        return found
    }
}
