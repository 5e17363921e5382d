#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// A failed file-system call, with the path, the operation and errno, worded so an operator knows
/// what to fix. Transient conditions (a full disk, a read-only or unwritable directory) are marked
/// retryable: the pipeline keeps the batch pending and tries again with backoff instead of losing it.
package struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    package let operation: String
    package let path: String
    package let code: Int32

    package init(_ operation: String, path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    package init(_ operation: String, path: String, _ error: Errno) {
        self.init(operation, path: path, code: error.rawValue)
    }

    /// Conditions that go away when an operator frees space or fixes permissions.
    package var isRetryable: Bool {
        [ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EIO, EAGAIN, EINTR, EMFILE, ENFILE, ENOMEM, EBUSY].contains(code)
    }

    package var description: String {
        let reason = ErrnoText.message(code)
        let advice: String
        switch code {
        case ENOSPC, EDQUOT: advice = "free space on that file system; the batch stays pending and is retried"
        case EROFS: advice = "the file system is read-only; remount it read-write"
        case EACCES, EPERM: advice = "check the directory's owner and permissions"
        case ENOENT: advice = "the path does not exist; create it or fix the configuration"
        default: advice = "see the error above"
        }
        return "\(operation) \(path): \(reason) (errno \(code)); \(advice)"
    }
}
