#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that a reader never sees half of it: the bytes go to a hidden temporary name
/// in the same directory, are flushed to disk, and only then renamed over the final name; the
/// directory is flushed too so the rename survives a power cut.
///
/// Readers watching the outbox ignore dot-files, so the temporary name is `.NAME.tmp-PID`.
package enum AtomicFile {
    package static func write(_ bytes: some Collection<UInt8>, to directory: String, name: String, mode: mode_t = 0o644) throws(FileSystemError) {
        let finalPath = directory + "/" + name
        let tempPath = directory + "/" + temporaryName(for: name, pid: getpid())
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw FileSystemError("create", path: tempPath) }
        do throws(FileSystemError) {
            try writeAll(fd: fd, bytes: Array(bytes), path: tempPath)
            guard fsync(fd) == 0 else { throw FileSystemError("fsync", path: tempPath) }
        } catch {
            close(fd)
            unlink(tempPath)
            throw error
        }
        guard close(fd) == 0 else {
            let error = FileSystemError("close", path: tempPath)
            unlink(tempPath)
            throw error
        }
        guard rename(tempPath, finalPath) == 0 else {
            let error = FileSystemError("rename", path: finalPath)
            unlink(tempPath)
            throw error
        }
        try syncDirectory(directory)
    }

    /// The hidden name `write` uses for `name` while process `pid` writes it.
    static func temporaryName(for name: String, pid: pid_t) -> String {
        "." + name + ".tmp-\(pid)"
    }

    /// The writer's pid when `name` is one of `write`'s temporaries (`.NAME.tmp-PID`), else nil.
    static func writerPID(ofTemporary name: String) -> pid_t? {
        guard name.hasPrefix("."), let dash = name.lastIndex(of: "-") else { return nil }
        let head = name[..<dash], digits = name[name.index(after: dash)...]
        guard head.hasSuffix(".tmp"), head.count > ".tmp".count + 1,
              !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let pid = pid_t(digits), pid > 0 else { return nil }
        return pid
    }

    /// Removes the temporaries of writers that died before renaming them (a `kill -9`, a power
    /// cut): nothing will ever finish them, and left alone they pile up one per crash. A temporary
    /// is dead when its pid is this process's own (called at start-up, before this process writes
    /// anything) or no process has that pid; a live writer's file is left alone. Best effort: a
    /// directory that cannot be listed or a file that cannot be removed is left as it is (a stray
    /// hidden file is harmless; refusing to start over it is not).
    package static func removeDeadTemporaries(in directory: String) {
        var removedAny = false
        for name in (try? Spool.list(directory)) ?? [] {
            guard let pid = writerPID(ofTemporary: name) else { continue }
            let dead = pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH)
            if dead && unlink(directory + "/" + name) == 0 { removedAny = true }
        }
        if removedAny { try? syncDirectory(directory) }
    }

    /// Flushes a directory's entries (creations, renames) to disk.
    package static func syncDirectory(_ directory: String) throws(FileSystemError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open directory", path: directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileSystemError("fsync directory", path: directory) }
    }

    /// Copies a regular file into `directory/name` atomically (used when a rename would cross file
    /// systems).
    package static func copy(from source: String, to directory: String, name: String) throws(FileSystemError) {
        let fd = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path: source) }
        defer { close(fd) }
        try write(try readAll(fd: fd, path: source), to: directory, name: name)
    }

    static func readAll(fd: Int32, path: String) throws(FileSystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("read", path: path)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    static func writeAll(fd: Int32, bytes: [UInt8], path: String) throws(FileSystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("write", path: path)
            }
            offset += written
        }
    }
}
