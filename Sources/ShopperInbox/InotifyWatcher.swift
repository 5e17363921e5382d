import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ShopperIO
import SystemPackage

/// Watches the inbox with inotify and delivers complete arrivals as an `AsyncStream`.
///
/// Why these choices:
/// - `IN_CLOSE_WRITE` and `IN_MOVED_TO` are the two moments a file is *complete*: its writer
///   closed it, or it was renamed in whole. `IN_CREATE` alone is not (the writer has just started),
///   except for entries that are complete as soon as they exist: symlinks, FIFOs, sockets, device
///   nodes and hard links (`st_nlink > 1`). Those are delivered too, so that hostile entries get
///   an outcome (a rejection) instead of lying in the inbox forever.
/// - The descriptor is non-blocking and read on a `DispatchSource`, on a private serial queue: a
///   blocking `read` would pin one of the few threads of Swift's cooperative pool.
/// - Names are kept as raw bytes (``InboxFileName``), and hidden or temporary names are dropped
///   here so every consumer applies the same rule.
/// - `IN_Q_OVERFLOW` means the kernel dropped events; it becomes ``InboxEvent/rescanNeeded`` so
///   the run loop lists the directory again (``InboxScanner``) and loses nothing.
///
/// Start the watcher *before* scanning the inbox at start-up, so that a file arriving between the
/// two is seen at least once (possibly twice: arrivals are at-least-once).
package final class InotifyWatcher: Sendable {
    /// The directory being watched, as given.
    package let directory: String
    /// Arrivals, overflow notices and loss of the inbox, in kernel order. Unbounded: the daemon
    /// must not drop a name; the kernel queue (`fs.inotify.max_queued_events`) bounds the burst.
    package let events: AsyncStream<InboxEvent>

    private let source: DispatchSourceHandle

    /// Starts watching `directory`.
    ///
    /// - Parameter queue: where the descriptor is read. Defaults to a private serial queue; tests
    ///   pass a queue they suspend to let the kernel queue overflow deterministically.
    package init(directory: String, queue: DispatchQueue? = nil) throws(InboxError) {
        self.directory = directory
        // No descriptor on the directory is kept open: it would pin the inode, and then removing
        // the inbox would never produce IN_DELETE_SELF. Entries are looked up by path instead.
        var info = stat()
        guard stat(directory, &info) == 0 else { throw .cannotOpen(directory: directory, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .cannotOpen(directory: directory, errno: ENOTDIR) }
        let inotifyFD = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard inotifyFD >= 0 else { throw .inotifyUnavailable(errno: errno) }
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE)
            | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_ONLYDIR)
        guard inotify_add_watch(inotifyFD, directory, mask) >= 0 else {
            let code = errno
            close(inotifyFD)
            throw .cannotWatch(directory: directory, errno: code)
        }

        let (stream, continuation) = AsyncStream<InboxEvent>.makeStream(bufferingPolicy: .unbounded)
        let readSource = DispatchSource.makeReadSource(
            fileDescriptor: inotifyFD, queue: queue ?? DispatchQueue(label: "shopperd.inotify"))
        let source = DispatchSourceHandle(readSource)
        readSource.setEventHandler {
            if Self.drain(inotifyFD: inotifyFD, directory: directory, into: continuation) == .lost {
                source.cancel()
            }
        }
        readSource.setCancelHandler {
            close(inotifyFD)
            continuation.finish()
        }
        continuation.onTermination = { _ in source.cancel() }
        self.events = stream
        self.source = source
        source.activate()
    }

    /// Stops watching; the stream finishes. Also done when the watcher is released or the
    /// consumer stops iterating.
    package func stop() {
        source.cancel()
    }

    deinit {
        source.cancel()
    }

    private enum DrainResult { case open, lost }

    /// Reads every pending event (the descriptor is non-blocking) and yields what they mean.
    private static func drain(
        inotifyFD: Int32, directory: String, into continuation: AsyncStream<InboxEvent>.Continuation
    ) -> DrainResult {
        // Large enough for hundreds of events per read; one event is at most 16 + NAME_MAX + 1.
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            // EAGAIN: drained; any other error is retried on the next wake-up.
            guard let count = try? FileDescriptor(rawValue: inotifyFD).read(into: buffer), count > 0 else { return .open }
            let events = InotifyRecordParser.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            for record in events {
                if let event = interpret(record, directory: directory) {
                    continuation.yield(event)
                    if event == .inboxLost { return .lost }
                }
            }
        }
    }

    /// Maps one kernel record to what the run loop needs to know, or `nil` to ignore it.
    private static func interpret(_ record: InotifyRecord, directory: String) -> InboxEvent? {
        let mask = record.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { return .rescanNeeded }
        if mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_UNMOUNT) | UInt32(IN_IGNORED)) != 0 {
            return .inboxLost
        }
        guard let name = InboxFileName(bytes: record.name), !name.isIgnored else { return nil }
        if mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)) != 0 { return .arrived(name) }
        if mask & UInt32(IN_CREATE) != 0, isCompleteOnCreation(name, in: directory) {
            return .arrived(name)
        }
        return nil
    }

    /// Whether an entry that was just created is already complete (see the type's discussion).
    private static func isCompleteOnCreation(_ name: InboxFileName, in directory: String) -> Bool {
        var info = stat()
        let path = InboxFileName.Path(directory: directory, name: name)
        let found = path.withCString { fstatat(AT_FDCWD, $0, &info, AT_SYMLINK_NOFOLLOW) } == 0
        guard found else { return false }  // already gone: nothing to report
        switch info.st_mode & S_IFMT {
        case S_IFREG: return info.st_nlink > 1
        case S_IFDIR: return false
        default: return true
        }
    }
}
