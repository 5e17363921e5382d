#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Reads a whole regular file into memory: one `fstat` to size the buffer (and to refuse an
/// oversized file before reading it), then `read` straight into the array's storage, then whatever
/// the file grew by since.
package enum WholeFile {
    package enum Failure: Error, Sendable, Equatable {
        /// A system call failed (`operation` is `open`, `stat` or `read`).
        case system(FileSystemError)
        case notRegularFile(path: String)
        /// Over the limit: `bytes` is the size seen (from `fstat`, or read so far).
        case tooLarge(bytes: Int, limit: Int)
    }

    /// The file's bytes. `options` adds to `O_RDONLY | O_CLOEXEC` (`.noFollow` for a file that must
    /// not be a symlink).
    package static func read(
        path: String, maxBytes: Int? = nil, options: FileDescriptor.OpenOptions = []
    ) throws(Failure) -> [UInt8] {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(path: path, .readOnly, options: options) } catch {
            throw .system(FileSystemError("open", path: path, error))
        }
        defer { try? fd.close() }
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0 else { throw .system(FileSystemError("stat", path: path)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile(path: path) }
        let size = Int(info.st_size)
        if let maxBytes, size > maxBytes { throw .tooLarge(bytes: size, limit: maxBytes) }
        let all: [UInt8]
        do throws(Errno) {
            let bytes = try fd.read(upTo: size)
            // The file may have grown since fstat: read the rest too, so a hash covers what is there.
            all = bytes.count < size ? bytes : try fd.readToEnd(after: bytes, limit: maxBytes)
        } catch {
            throw .system(FileSystemError("read", path: path, error))
        }
        if let maxBytes, all.count > maxBytes { throw .tooLarge(bytes: all.count, limit: maxBytes) }
        return all
    }
}
