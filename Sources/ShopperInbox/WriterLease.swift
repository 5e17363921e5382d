#if canImport(Glibc)
import Glibc
#endif

/// Whether some process still has an inbox file open for writing, asked of the kernel with a read
/// lease (`fcntl(F_SETLEASE, F_RDLCK)`).
///
/// A writer that pauses without closing (a slow upload, a script that wrote the header and half a
/// row and then waits on its network) leaves a file that looks finished to a periodic rescan: its
/// modification time stops moving. Claiming it then would read a torn batch. The kernel knows
/// better: a read lease is refused with `EAGAIN` while *any* descriptor on the file is open for
/// writing, whoever holds it. While the lease is held, a process that opens the file for writing
/// (or truncates it) blocks until the lease is released, so a claim made under the lease cannot
/// race a writer that starts in between.
///
/// Leases need the caller to own the file (or `CAP_LEASE`) and a file system that supports them.
/// When the kernel refuses for those reasons (`EACCES`, `EPERM`, `EINVAL`, …) — files dropped by
/// another user under the hardened unit, or a network file system — the answer is ``unknown`` and
/// the caller falls back to the settle-time rule (a file unmodified for a while is complete).
package enum WriterLease {
    /// What the probe found out.
    package enum Probe: Sendable, Equatable {
        /// No writer has the file open; the lease is held on `descriptor` until ``release(_:)``.
        case noWriter(descriptor: Int32)
        /// Some process has the file open for writing: leave it for a later rescan or its
        /// `IN_CLOSE_WRITE`.
        case writerOpen
        /// The kernel would not say (the errno of the refusal); fall back to the settle rule.
        case unknown(errno: Int32)
        /// Nothing to probe: the entry is gone, or is not a regular file with a single name
        /// (those are refused from `lstat` without being opened, so they are never opened here).
        case notProbed
    }

    /// `F_SETLEASE` and `F_UNLCK` from `<fcntl.h>`; `F_SETLEASE` is a GNU extension that the
    /// Glibc module does not export.
    private static let setLease: Int32 = 1024

    /// Probes the regular, single-name file at `path` (a NUL-terminated byte path). Opens it
    /// read-only without following a symlink and without blocking; a file that is not a plain
    /// regular file is never opened.
    package static func probe(_ path: InboxFileName.Path) -> Probe {
        ignoreSIGIO
        var info = stat()
        guard path.withCString({ lstat($0, &info) }) == 0,
              info.st_mode & S_IFMT == S_IFREG, info.st_nlink == 1 else { return .notProbed }
        let fd = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        guard fd >= 0 else { return errno == ENOENT ? .notProbed : .unknown(errno: errno) }
        // Swapped for another kind of entry between lstat and open: leave it to the reader.
        var opened = stat()
        guard fstat(fd, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG, opened.st_nlink == 1 else {
            close(fd)
            return .notProbed
        }
        if fcntl(fd, setLease, Int32(F_RDLCK)) == 0 {
            // Taking a lease makes this process the descriptor's owner, and a writer's open then
            // sends it SIGIO, whose default action ends the process. No owner, no signal: the
            // writer just waits until the lease is released, moments later.
            _ = fcntl(fd, F_SETOWN, Int32(0))
            return .noWriter(descriptor: fd)
        }
        let code = errno
        close(fd)
        return code == EAGAIN ? .writerOpen : .unknown(errno: code)
    }

    /// A writer opening the file between `F_SETLEASE` and `F_SETOWN 0` below would send SIGIO to
    /// the lease's owner, this process, whose default action ends it. Ignored once, before the first
    /// lease; shopperd uses no signal-driven I/O, so nothing else relies on SIGIO.
    private static let ignoreSIGIO: Void = { _ = signal(SIGIO, SIG_IGN) }()

    /// Releases a lease taken by ``probe(_:)`` and closes its descriptor.
    package static func release(_ probe: Probe) {
        guard case .noWriter(let fd) = probe else { return }
        _ = fcntl(fd, setLease, Int32(F_UNLCK))
        close(fd)
    }
}
