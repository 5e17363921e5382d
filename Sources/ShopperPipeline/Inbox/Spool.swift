#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One claimed input: an arrival number and the original name.
public struct SpoolEntry: Sendable, Hashable, Comparable {
    /// 20 decimal digits, increasing in arrival order; also the batch's job id in the store.
    public let id: String
    public let name: InputName

    public static func < (lhs: SpoolEntry, rhs: SpoolEntry) -> Bool { lhs.id < rhs.id }
}

/// The daemon's queue of claimed inputs, in `STATE/spool`.
///
/// Claiming moves a file out of the inbox by `rename(2)`, which is atomic: a file is claimed once
/// or not at all, and whatever happens next, its bytes are ours and no longer in an operator's
/// directory where they could be edited. The original name is written first into a sidecar
/// `ID.name`, then the file becomes `ID.data`; an entry exists while it is unfinished, so after a
/// crash `pending()` is exactly the work left. Finished entries move to `archive/` (accepted) or
/// `quarantine/` (rejected) under `ID--STEM.csv`.
public struct Spool: Sendable {
    public let spoolDirectory: String
    public let archiveDirectory: String
    public let quarantineDirectory: String

    public init(stateDirectory: String) throws(FileSystemError) {
        spoolDirectory = stateDirectory + "/spool"
        archiveDirectory = stateDirectory + "/archive"
        quarantineDirectory = stateDirectory + "/quarantine"
        for directory in [stateDirectory, spoolDirectory, archiveDirectory, quarantineDirectory] {
            try Spool.makeDirectory(directory)
        }
    }

    /// Moves `inbox/NAME` into the spool. Returns nil when the file is gone (claimed already, or
    /// removed by its writer). Never opens the file: a symlink, FIFO or device node is moved as the
    /// entry it is, and judged when processed.
    public func claim(inboxDirectory: String, name: InputName) throws(FileSystemError) -> SpoolEntry? {
        let id = Spool.nextID()
        let sourcePath = inboxDirectory + "/" + name.description
        var probe = stat()
        let exists = withCPath(inboxDirectory, name.bytes) { lstat($0, &probe) } == 0
        guard exists else {
            if errno == ENOENT { return nil }
            throw FileSystemError("stat", path: sourcePath)
        }
        try AtomicFile.write(name.bytes, to: spoolDirectory, name: id + ".name", mode: 0o600)
        let moved = withCPath(inboxDirectory, name.bytes) { source in
            rename(source, spoolDirectory + "/" + id + ".data")
        }
        if moved != 0 {
            let code = errno
            unlink(spoolDirectory + "/" + id + ".name")
            if code == ENOENT { return nil }
            if code == EXDEV {
                return try claimAcrossFileSystems(inboxDirectory: inboxDirectory, name: name, id: id)
            }
            throw FileSystemError("move into spool", path: sourcePath, code: code)
        }
        try AtomicFile.syncDirectory(spoolDirectory)
        try AtomicFile.syncDirectory(inboxDirectory)
        return SpoolEntry(id: id, name: name)
    }

    /// The inbox is on another file system than the state directory: copy a regular file (without
    /// following links), flush it, then remove the original. Anything else cannot be copied and is
    /// refused in place by the caller's rejection path, so only regular files get here.
    private func claimAcrossFileSystems(inboxDirectory: String, name: InputName, id: String) throws(FileSystemError) -> SpoolEntry? {
        let sourcePath = inboxDirectory + "/" + name.description
        let fd = withCPath(inboxDirectory, name.bytes) { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw FileSystemError("open for copy", path: sourcePath)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileSystemError("stat", path: sourcePath) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileSystemError("move across file systems (not a regular file)", path: sourcePath, code: EXDEV)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw FileSystemError("read", path: sourcePath) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        try AtomicFile.write(name.bytes, to: spoolDirectory, name: id + ".name", mode: 0o600)
        try AtomicFile.write(bytes, to: spoolDirectory, name: id + ".data", mode: 0o600)
        guard withCPath(inboxDirectory, name.bytes, { unlink($0) }) == 0 || errno == ENOENT else {
            throw FileSystemError("remove claimed file", path: sourcePath)
        }
        return SpoolEntry(id: id, name: name)
    }

    /// Unfinished entries, oldest first. Removes what a crash can leave behind: a sidecar whose file
    /// was never moved (the file is still in the inbox and will be claimed again) and temporaries.
    public func pending() throws(FileSystemError) -> [SpoolEntry] {
        var names = try Spool.list(spoolDirectory)
        for temporary in names where temporary.hasPrefix(".") {
            unlink(spoolDirectory + "/" + temporary)  // an AtomicFile temporary left by a crash
        }
        names.removeAll { $0.hasPrefix(".") }
        let data = Set(names.filter { $0.hasSuffix(".data") }.map { String($0.dropLast(5)) })
        var entries: [SpoolEntry] = []
        for file in names where file.hasSuffix(".name") {
            let id = String(file.dropLast(5))
            if data.contains(id) {
                let raw = (try? Spool.readSmallFile(spoolDirectory + "/" + file)) ?? Array("unnamed-\(id)".utf8)
                entries.append(SpoolEntry(id: id, name: InputName(bytes: raw)))
            } else {
                unlink(spoolDirectory + "/" + file)
            }
        }
        for id in data where !names.contains(id + ".name") {
            entries.append(SpoolEntry(id: id, name: InputName("unnamed-\(id).csv")))
        }
        return entries.sorted()
    }

    /// Where the claimed bytes (or the claimed non-file entry) are while the entry is pending.
    public func dataPath(_ entry: SpoolEntry) -> String { spoolDirectory + "/" + entry.id + ".data" }

    /// Files an accepted entry in `archive/`.
    @discardableResult
    public func archive(_ entry: SpoolEntry) throws(FileSystemError) -> String {
        try finish(entry, into: archiveDirectory)
    }

    /// Files a rejected entry in `quarantine/`.
    @discardableResult
    public func quarantine(_ entry: SpoolEntry) throws(FileSystemError) -> String {
        try finish(entry, into: quarantineDirectory)
    }

    private func finish(_ entry: SpoolEntry, into directory: String) throws(FileSystemError) -> String {
        let target = directory + "/" + entry.id + "--" + entry.name.outboxStem + ".csv"
        if rename(dataPath(entry), target) != 0 && errno != ENOENT {
            throw FileSystemError("move out of spool", path: dataPath(entry))
        }
        try AtomicFile.syncDirectory(directory)
        unlink(spoolDirectory + "/" + entry.id + ".name")
        try AtomicFile.syncDirectory(spoolDirectory)
        return target
    }

    // MARK: - Helpers

    private static let lastID = Mutex<UInt64>(0)

    /// Arrival numbers: wall-clock nanoseconds, strictly increasing within the process, so ids
    /// also sort after those of earlier runs.
    static func nextID() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let candidate = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        let value = lastID.withLock { last in
            last = max(last + 1, candidate)
            return last
        }
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    static func makeDirectory(_ path: String) throws(FileSystemError) {
        if mkdir(path, 0o750) != 0 && errno != EEXIST {
            throw FileSystemError("create directory", path: path)
        }
    }

    static func list(_ directory: String) throws(FileSystemError) -> [String] {
        guard let dir = opendir(directory) else { throw FileSystemError("list", path: directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func readSmallFile(_ path: String) throws(FileSystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path: path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw FileSystemError("read", path: path) }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}

/// Calls `body` with `directory/NAME` as a C string built from the name's raw bytes, so names that
/// are not valid UTF-8 reach the kernel unchanged.
func withCPath<R>(_ directory: String, _ name: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
    var path = Array(directory.utf8) + [UInt8(ascii: "/")] + name
    path.append(0)
    return path.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { body($0) }
    }
}
