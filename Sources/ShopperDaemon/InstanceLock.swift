#if canImport(Glibc)
import Glibc
#endif
import ShopperIO
import ShopperInbox

/// One daemon per state directory and per inbox.
///
/// Two daemons on the same directories would each see the other's claimed batches as pending work
/// (the claim area is shared) and process them twice; a `shopperd run --once` from cron while the
/// service runs would do the same. So `shopperd run` takes an exclusive advisory `flock` on
/// `STATE/shopperd.lock` and `INBOX/.shopperd/lock` before it touches anything, and a second one
/// refuses to start, naming the holder's pid. The kernel releases a `flock` when its holder dies,
/// however it dies, so a crash never leaves a stale lock behind: nothing to clean up by hand.
package final class InstanceLock: Sendable {
    private let descriptors: [Int32]

    private init(descriptors: [Int32]) { self.descriptors = descriptors }

    /// Locks the state directory and the inbox (both, and the inbox's `.shopperd/`, must exist) and
    /// writes this process's pid into both lock files.
    package static func acquire(state: String, inbox: String) throws(InstanceLockError) -> InstanceLock {
        var held: [Int32] = []
        do {
            for path in [state + "/shopperd.lock", InboxLayout(inbox: inbox).lock] {
                held.append(try lock(path))
            }
        } catch {
            held.forEach { _ = close($0) }
            throw error
        }
        return InstanceLock(descriptors: held)
    }

    private static func lock(_ path: String) throws(InstanceLockError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard fd >= 0 else { throw .cannotLock(path: path, code: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = readPID(fd)
            close(fd)
            if code == EWOULDBLOCK { throw .heldByAnother(path: path, pid: holder) }
            throw .cannotLock(path: path, code: code)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return fd
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }, as: UTF8.self))
    }

    /// Releases both locks (closing the descriptors drops them); the lock files stay.
    deinit {
        for fd in descriptors { close(fd) }
    }
}

/// Why `shopperd run` could not take its directories.
package enum InstanceLockError: Error, Sendable, CustomStringConvertible {
    /// Another process holds the lock: a second daemon, or `run --once`, on the same directories.
    case heldByAnother(path: String, pid: Int32?)
    /// The lock file could not be created or locked.
    case cannotLock(path: String, code: Int32)

    package var description: String {
        switch self {
        case let .heldByAnother(path, pid):
            "another shopperd (\(pid.map { "pid \($0)" } ?? "pid unknown")) is running on these directories (it holds \(path)); "
                + "two daemons would process the same batches twice. Stop it first (systemctl stop shopperd), "
                + "or give this one its own --inbox and --state"
        case let .cannotLock(path, code):
            "cannot lock \(path): \(ErrnoText.describe(code)); check the directory exists and is writable"
        }
    }
}
