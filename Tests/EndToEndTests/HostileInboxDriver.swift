import Foundation
import ShopperInbox
#if canImport(Glibc)
import Glibc
import ShopperTestSupport
#endif

/// What one entry that reaches the inbox must end as.
struct HostileArrival: Sendable {
    enum Outcome: Sendable {
        /// Scored: `bytes` are the final contents (what the store must have hashed), `rows` its rows.
        case accepted(rows: Int, bytes: [UInt8])
        /// Refused: the reason in `STEM.rejected.json` contains this text.
        case rejected(reason: String)
    }

    let caseName: String
    let name: [UInt8]
    let outcome: Outcome
}

/// A case that must get no outcome while its condition holds, and what ends the condition.
struct HostileWait: Sendable {
    let caseName: String
    let name: [UInt8]
    /// The name it is to be processed under once the condition ends.
    let final: [UInt8]
    /// Ends the condition (rename, finish the write and close…).
    let then: @Sendable () async throws -> Void
}

/// Materialises the manifest's inbox-level generators in a real inbox (semantics in
/// docs/reliability-fuzzing.md): `outside/` next to the daemon's directories stands for the rest
/// of the file system. Keeps what must stay alive until the group ends (open descriptors).
final class HostileInboxDriver: @unchecked Sendable {  // used by one test task at a time
    let workspace: DaemonWorkspace
    let outside: String
    private(set) var arrivals: [HostileArrival] = []
    private(set) var waits: [HostileWait] = []
    /// Checks to run once the daemon has finished with the case (the pipe still holds its bytes…).
    private(set) var afterwards: [(String, @Sendable () throws -> String?)] = []
    private var descriptors: [Int32] = []
    private var staged = 0

    init(workspace: DaemonWorkspace) throws {
        self.workspace = workspace
        outside = workspace.root + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    }

    deinit { descriptors.forEach { close($0) } }

    static let validLF = "cases/valid-lf.csv"

    // MARK: - Generators

    func materialise(_ hostile: HostileInboxCase) async throws {
        guard let generator = hostile.generator, let kind = HostileInboxKind(rawValue: generator.kind) else {
            throw DaemonTestError("\(hostile.name): no driver for generator \(hostile.generator?.kind ?? "nil")")
        }
        let name = hostile.entryName ?? []
        let expected = try expectedOutcome(hostile)
        switch kind {
        case .bytes:
            var head: [UInt8] = []
            if generator.prefix == "header" { head = try Self.lines(Self.validLF)[0] + [0x0A] }
            try stageAndRename(name) { fd in
                try Self.write(head, to: fd)
                let chunk = [UInt8](repeating: Array(generator.fill!.utf8)[0], count: 1 << 20)
                var left = generator.size!
                while left > 0 {
                    try Self.write(Array(chunk.prefix(left)), to: fd)
                    left -= min(left, chunk.count)
                }
                if generator.newline == true { try Self.write([0x0A], to: fd) }
            }
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
        case .copyRepeated:
            let lines = try Self.lines(generator.source!)
            var bytes = lines[0] + [0x0A]
            while bytes.count <= generator.minSize! {
                for row in lines.dropFirst() { bytes += row + [0x0A] }
            }
            try stageAndRename(name) { try Self.write(bytes, to: $0) }
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
        case .sparse:
            try stageAndRename(name) { fd in
                guard ftruncate(fd, off_t(generator.size!)) == 0 else { throw DaemonTestError("ftruncate: errno \(errno)") }
            }
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
        case .fifo:
            try fifo(hostile, name: name, writer: generator.writer, expected: expected)
        case .charDevice:
            let device = dev_t((generator.major! << 8) | generator.minor!)  // makedev for major, minor < 256
            guard inboxPath(name).withCString({ mknod($0, S_IFCHR | 0o600, device) }) == 0 else {
                throw DaemonTestError("\(hostile.name): mknod needs CAP_MKNOD (run as root): errno \(errno)")
            }
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
        case .socket:
            try socket(name)
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
        case .directory:
            let staging = nextStaging()
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
            for file in generator.contains ?? [] {
                try Data(try HostileInboxCorpus.file(file)).write(to: URL(fileURLWithPath: staging + "/" + (file as NSString).lastPathComponent))
            }
            try renameIn(staging, as: name)
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
            let inside = generator.contains ?? []
            afterwards.append((hostile.name, { [workspace] in
                // Never entered: the batch inside is not in the outbox under its own name.
                inside.contains { workspace.hasOutcome((($0 as NSString).lastPathComponent as NSString).deletingPathExtension) }
                    ? "a file inside the directory was processed" : nil
            }))
        case .symlink:
            try symlink(hostile, name: name, expected: expected)
        case .hardlink:
            let target = outside + "/" + String(generator.target!.dropFirst("outside/".count))
            try writeOutsideFile(target, generator.targetContent!)
            guard inboxPath(name).withCString({ link(target, $0) }) == 0 else { throw DaemonTestError("link: errno \(errno)") }
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
        case .file:
            try file(hostile, name: name, expected: expected)
        case .openWriter:
            try openWriter(hostile, name: name, expected: expected)
        case .replace:
            let first = try HostileInboxCorpus.file(generator.first!)
            let second = try HostileInboxCorpus.file(generator.second!)
            try stageAndRename(name) { try Self.write(first, to: $0) }
            // The second lands as soon as the first is claimed, while the daemon is at work on it.
            guard await eventually(timeout: .seconds(30), every: .milliseconds(1), { !exists(name) }) else {
                throw DaemonTestError("\(hostile.name): the first file was never claimed")
            }
            try stageAndRename(name) { try Self.write(second, to: $0) }
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: .accepted(rows: Self.rows(first), bytes: first)))
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: .accepted(rows: Self.rows(second), bytes: second)))
        case .many:
            let content = try HostileInboxCorpus.file(generator.content!)
            var stagedFiles: [(String, [UInt8])] = []
            for index in 0..<generator.count! {
                let entry = Array(String(format: generator.name!, index).utf8)
                let staging = nextStaging()
                try Self.writeFile(staging, content)
                stagedFiles.append((staging, entry))
            }
            for (staging, entry) in stagedFiles {
                try renameIn(staging, as: entry)
                arrivals.append(HostileArrival(caseName: hostile.name, name: entry, outcome: expected))
            }
        }
    }

    /// The case's final outcome: `expect`, or its `then` for a `wait`.
    private func expectedOutcome(_ hostile: HostileInboxCase) throws -> HostileArrival.Outcome {
        let expect = hostile.expect == "wait" ? (hostile.then?.expect ?? "accepted") : hostile.expect
        switch expect {
        case "rejected":
            guard let reason = hostile.reason else { throw DaemonTestError("\(hostile.name): rejected without a reason") }
            return .rejected(reason: reason)
        case "accepted":
            let content = try HostileInboxCorpus.file(hostile.generator?.content ?? hostile.generator?.first ?? Self.validLF)
            return .accepted(rows: Self.rows(content), bytes: content)
        default:
            throw DaemonTestError("\(hostile.name): unknown expectation \(expect)")
        }
    }

    private func fifo(_ hostile: HostileInboxCase, name: [UInt8], writer: String?, expected: HostileArrival.Outcome) throws {
        guard let writer else {
            guard inboxPath(name).withCString({ mkfifo($0, 0o600) }) == 0 else { throw DaemonTestError("mkfifo: errno \(errno)") }
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
            return
        }
        // A live writer with its bytes waiting in the pipe. Opened read-write (never blocks on
        // Linux), so the test holds both ends: whatever is still in the pipe at the end was never
        // read by anyone else.
        let staging = nextStaging()
        guard mkfifo(staging, 0o600) == 0 else { throw DaemonTestError("mkfifo: errno \(errno)") }
        let fd = open(staging, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw DaemonTestError("open fifo: errno \(errno)") }
        descriptors.append(fd)
        let bytes = try HostileInboxCorpus.file(writer)
        try Self.write(bytes, to: fd)
        try renameIn(staging, as: name)
        arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
        afterwards.append((hostile.name, {
            var buffer = [UInt8](repeating: 0, count: bytes.count + 1)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            return n == bytes.count && Array(buffer.prefix(n)) == bytes ? nil : "the pipe lost bytes: someone read it (\(n) of \(bytes.count) left)"
        }))
    }

    private func socket(_ name: [UInt8]) throws {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonTestError("socket: errno \(errno)") }
        descriptors.append(fd)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(workspace.inbox.utf8) + [0x2F] + name
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { throw DaemonTestError("socket path too long: \(path.count)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw DaemonTestError("bind/listen: errno \(errno)") }
    }

    private func symlink(_ hostile: HostileInboxCase, name: [UInt8], expected: HostileArrival.Outcome) throws {
        let generator = hostile.generator!
        let target = generator.target!
        let path: String
        if target.hasPrefix("outside/") {
            path = outside + "/" + target.dropFirst("outside/".count)
            if let content = generator.targetContent { try writeOutsideFile(path, content) }
        } else if target.hasPrefix("inbox/") {
            let real = Array(target.dropFirst("inbox/".count).utf8)
            path = workspace.inbox + "/" + target.dropFirst("inbox/".count)
            if let content = generator.targetContent {
                // A real batch, delivered on its own: processed once, under its own name.
                let bytes = try HostileInboxCorpus.file(content)
                try stageAndRename(real) { try Self.write(bytes, to: $0) }
                arrivals.append(HostileArrival(caseName: hostile.name, name: real, outcome: .accepted(rows: Self.rows(bytes), bytes: bytes)))
            }
        } else {
            path = target
        }
        guard inboxPath(name).withCString({ Glibc.symlink(path, $0) }) == 0 else { throw DaemonTestError("symlink: errno \(errno)") }
        arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
    }

    private func file(_ hostile: HostileInboxCase, name: [UInt8], expected: HostileArrival.Outcome) throws {
        let generator = hostile.generator!
        let bytes = try HostileInboxCorpus.file(generator.content!)
        guard let entry = InboxFileName(bytes: name) else { throw DaemonTestError("\(hostile.name): not a file name") }
        guard entry.isIgnored else {
            try stageAndRename(name) { try Self.write(bytes, to: $0) }
            arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: expected))
            return
        }
        // A dot-name or .part name is written in place (open, write, close: IN_CLOSE_WRITE) and
        // must be left alone until it is renamed to its final name.
        try Self.writeFile(String(decoding: inboxPath(name).bytes.dropLast(), as: UTF8.self), bytes)
        let final: [UInt8]
        if let then = generator.then {
            guard then.hasPrefix("rename to ") else { throw DaemonTestError("\(hostile.name): no driver for then \(then)") }
            final = Array(then.dropFirst("rename to ".count).utf8)
        } else {
            final = Array(name.drop { $0 == 0x2E })  // "renamed to a visible name"
        }
        waits.append(HostileWait(caseName: hostile.name, name: name, final: final) { [self] in
            guard inboxPath(name).withCString({ src in inboxPath(final).withCString { rename(src, $0) } }) == 0 else {
                throw DaemonTestError("rename: errno \(errno)")
            }
        })
        arrivals.append(HostileArrival(caseName: hostile.name, name: final, outcome: expected))
    }

    private func openWriter(_ hostile: HostileInboxCase, name: [UInt8], expected: HostileArrival.Outcome) throws {
        let generator = hostile.generator!
        let lines = try Self.lines(generator.source!)
        let fd = inboxPath(name).withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw DaemonTestError("open: errno \(errno)") }
        descriptors.append(fd)
        var written: [UInt8] = []
        for phrase in generator.writes ?? [] {
            guard let step = WriterStep(rawValue: phrase) else { throw DaemonTestError("\(hostile.name): no driver for write \(phrase)") }
            let piece: [UInt8]
            switch step {
            case .header: piece = lines[0] + [0x0A]
            case .halfOfRowOne: piece = Array(lines[1].prefix(lines[1].count / 2))
            case .rowsOneToFiveRepeated: piece = Array((0..<400).flatMap { _ in lines[1...5].flatMap { $0 + [0x0A] } })
            default: throw DaemonTestError("\(hostile.name): \(phrase) is not a first write")
            }
            try Self.write(piece, to: fd)
            written += piece
        }
        guard let phrase = generator.then, let step = WriterStep(rawValue: phrase) else {
            throw DaemonTestError("\(hostile.name): no driver for then \(generator.then ?? "nil")")
        }
        let prefix = written
        let final: [UInt8]
        switch step {
        case .finishRowsOneToThree:
            final = lines[0] + [0x0A] + lines[1...3].flatMap { $0 + [0x0A] }
        case .truncateToEndOfRowTwo:
            final = lines[0] + [0x0A] + lines[1...2].flatMap { $0 + [0x0A] }
        case .appendRowOneForThreeSeconds:
            final = []  // known once appended
        default:
            throw DaemonTestError("\(hostile.name): \(phrase) is not a then step")
        }
        let arrivalIndex = arrivals.count
        arrivals.append(HostileArrival(caseName: hostile.name, name: name, outcome: .accepted(rows: Self.rows(final), bytes: final)))
        waits.append(HostileWait(caseName: hostile.name, name: name, final: name) { [self] in
            switch step {
            case .finishRowsOneToThree:
                try Self.write(Array(final.dropFirst(prefix.count)), to: fd)
            case .truncateToEndOfRowTwo:
                guard ftruncate(fd, off_t(final.count)) == 0 else { throw DaemonTestError("ftruncate: errno \(errno)") }
            default:
                var all = prefix
                let clock = ContinuousClock()
                let end = clock.now + .seconds(3)
                while clock.now < end {
                    try Self.write(lines[1] + [0x0A], to: fd)
                    all += lines[1] + [0x0A]
                    try await Task.sleep(for: .milliseconds(10))
                    // Still open for writing: never claimed while it grows.
                    guard exists(name) else { throw DaemonTestError("\(hostile.name): claimed while its writer was still appending") }
                }
                arrivals[arrivalIndex] = HostileArrival(caseName: hostile.name, name: name, outcome: .accepted(rows: Self.rows(all), bytes: all))
            }
            close(fd)
            descriptors.removeAll { $0 == fd }
        })
    }

    // MARK: - Outside the daemon's directories

    /// Writes `outside/…` (once: two cases may share a target).
    private func writeOutsideFile(_ path: String, _ corpusFile: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try Self.writeFile(path, try HostileInboxCorpus.file(corpusFile))
    }

    // MARK: - Helpers

    func inboxPath(_ name: [UInt8]) -> InboxFileName.Path {
        InboxFileName.Path(directory: workspace.inbox, name: InboxFileName(bytes: name)!)
    }

    func exists(_ name: [UInt8]) -> Bool {
        var info = stat()
        return inboxPath(name).withCString { lstat($0, &info) } == 0
    }

    private func nextStaging() -> String {
        staged += 1
        return outside + "/.staging-\(staged)"
    }

    /// Writes a file under `outside/` and renames it into the inbox whole (`IN_MOVED_TO`).
    private func stageAndRename(_ name: [UInt8], _ fill: (Int32) throws -> Void) throws {
        let staging = nextStaging()
        let fd = open(staging, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DaemonTestError("open \(staging): errno \(errno)") }
        do { try fill(fd) } catch { close(fd); throw error }
        close(fd)
        try renameIn(staging, as: name)
    }

    private func renameIn(_ staging: String, as name: [UInt8]) throws {
        guard inboxPath(name).withCString({ rename(staging, $0) }) == 0 else { throw DaemonTestError("rename in: errno \(errno)") }
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DaemonTestError("open \(path): errno \(errno)") }
        defer { close(fd) }
        try write(bytes, to: fd)
    }

    static func write(_ bytes: [UInt8], to fd: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard n > 0 else { throw DaemonTestError("write: errno \(errno)") }
            offset += n
        }
    }

    /// A corpus CSV's lines without their LF.
    static func lines(_ corpusFile: String) throws -> [[UInt8]] {
        try HostileInboxCorpus.file(corpusFile).split(separator: 0x0A, omittingEmptySubsequences: true).map(Array.init)
    }

    /// Data rows of a simple CSV (no quoted line breaks): non-empty lines after the header.
    static func rows(_ bytes: [UInt8]) -> Int {
        max(0, bytes.split(separator: 0x0A, omittingEmptySubsequences: true).filter { $0 != [0x0D] }.count - 1)
    }
}
