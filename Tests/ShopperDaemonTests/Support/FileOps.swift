import Foundation
import ShopperTestSupport

/// Thin wrappers over the system calls the tests use to create inbox entries, with raw-byte
/// paths so hostile names are created exactly.
enum FileOps {
    static func withPath<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// Creates (or truncates) `path`, writes `contents`, closes it: one `IN_CLOSE_WRITE`.
    static func write(_ path: [UInt8], _ contents: String) throws {
        let fd = withPath(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard fd >= 0 else { throw TestFailure("open \(String(decoding: path, as: UTF8.self)): errno \(errno)") }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw TestFailure("short write") }
    }

    static func write(_ path: String, _ contents: String) throws {
        try write(Array(path.utf8), contents)
    }

    static func rename(_ from: [UInt8], _ to: [UInt8]) throws {
        let status = withPath(from) { source in withPath(to) { Glibc.rename(source, $0) } }
        guard status == 0 else { throw TestFailure("rename: errno \(errno)") }
    }

    static func rename(_ from: String, _ to: String) throws {
        try rename(Array(from.utf8), Array(to.utf8))
    }

    /// Writes under a hidden temporary name, then renames into place: the safe way to deliver.
    static func deliver(_ contents: String, as name: String, in directory: String) throws {
        let temporary = directory + "/.incoming-" + name
        try write(temporary, contents)
        try rename(temporary, directory + "/" + name)
    }

    /// Sets a file's modification time to `seconds` since the epoch (without following symlinks).
    static func setModificationTime(_ path: [UInt8], seconds: Int, nanoseconds: Int = 0) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        let status = withPath(path) { utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }
        guard status == 0 else { throw TestFailure("utimensat: errno \(errno)") }
    }

    static func exists(_ path: [UInt8]) -> Bool {
        var info = stat()
        return withPath(path) { lstat($0, &info) } == 0
    }
}
