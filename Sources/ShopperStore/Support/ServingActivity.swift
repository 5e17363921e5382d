import Foundation
import ShopperIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A count of the scoring requests `shopperd serve` has answered, kept in the state directory
/// (`serving-activity`: eight bytes, mapped shared by every process that opens it) so that the
/// daemon, a process of its own on the same state, can see live scoring and let its training wait
/// (`ServingLoad`). A server adds one per answered request (a relaxed atomic add on the mapped
/// page; nothing is written to disk but the page's periodic writeback); the daemon only reads.
/// Several servers on one state directory add to the same count. Nothing may shorten the file while
/// a process maps it (a read through a mapping past a file's end is a SIGBUS): a server only ever
/// makes it longer, and its blocks are allocated before it is mapped.
package final class ServingActivity: @unchecked Sendable {
    /// The file's name in the state directory.
    package static let fileName = "serving-activity"

    private let counter: UnsafeMutablePointer<Atomic<UInt64>>
    private static let size = MemoryLayout<UInt64>.size
    /// The mapped file's identity (device, inode): a reader compares it with the path's now and
    /// then, so that a file removed and made again by a later server is followed.
    package let identity: FileIdentity

    /// A file's device and inode.
    package struct FileIdentity: Equatable, Sendable {
        let device: UInt64
        let inode: UInt64

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
        }

        /// The identity of the file at `path` now, or nil when there is none.
        static func of(_ path: String) -> FileIdentity? {
            var status = stat()
            return stat(path, &status) == 0 ? FileIdentity(status) : nil
        }
    }

    /// Whether this mapping may be written (`forServing`); a reader's page is read-only.
    private let writable: Bool

    private init(counter: UnsafeMutablePointer<Atomic<UInt64>>, identity: FileIdentity, writable: Bool) {
        self.counter = counter
        self.identity = identity
        self.writable = writable
    }

    /// The count's file in `directory`.
    static func path(in directory: URL) -> String {
        directory.appendingPathComponent(fileName).path
    }

    /// Whether `directory`'s count file is still the one mapped here.
    package func isCurrent(in directory: URL) -> Bool {
        FileIdentity.of(Self.path(in: directory)) == identity
    }

    /// The count for a server: the file is created (mode 0600) when missing; its count goes on from
    /// where earlier servers left it.
    package static func forServing(in directory: URL) throws(StoreError) -> ServingActivity {
        let file = path(in: directory)
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: file, reason: ErrnoText.message(errno)) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .cannotOpen(path: file, reason: ErrnoText.message(errno)) }
        // Blocks allocated now (not a hole `ftruncate` would leave), so that a full disk is this
        // error here rather than a SIGBUS at the first count through the mapping.
        if status.st_size < size {
            let code = posix_fallocate(fd, 0, off_t(size))
            guard code == 0 else { throw .cannotOpen(path: file, reason: ErrnoText.message(code)) }
        }
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw .cannotOpen(path: file, reason: ErrnoText.message(errno))
        }
        return ServingActivity(counter: mapped.bindMemory(to: Atomic<UInt64>.self, capacity: 1), identity: FileIdentity(status), writable: true)
    }

    /// The count for a reader, or nil while no server has created it (or it cannot be read).
    package static func forReading(in directory: URL) -> ServingActivity? {
        let fd = open(path(in: directory), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_size >= size,
              let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED
        else { return nil }
        return ServingActivity(counter: mapped.bindMemory(to: Atomic<UInt64>.self, capacity: 1), identity: FileIdentity(status), writable: false)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(counter), Self.size)
    }

    /// One more request answered (only on a count opened `forServing`).
    package func add(_ count: UInt64 = 1) {
        precondition(writable, "ServingActivity.add on a count opened for reading (its page is read-only)")
        counter.pointee.wrappingAdd(count, ordering: .relaxed)
    }

    /// Requests answered so far, by every server on this state directory.
    package var answered: UInt64 {
        counter.pointee.load(ordering: .relaxed)
    }
}

/// Whether live scoring is busy now: the rate of `ServingActivity`'s count since the previous
/// reading, taken when at least `window` has passed; a reading more than a second after the previous
/// one only starts a new window (the rate of a long quiet stretch says nothing of now), so the
/// first `window` of a training after a quiet second runs unpaused. The threshold counts requests,
/// not rows. The daemon's training asks it between jobs (`BackgroundExecutor`'s
/// `yield`) and waits while it says so. Cheap to ask often: the count is read at most once per
/// window, and the file looked for (or, once found, checked to be still the same file: a server
/// may make it again after it was removed) at most once a second.
package final class ServingLoad: Sendable {
    private let directory: URL
    private let window: Duration
    /// How often the file is looked for, or checked to be the one mapped.
    private let recheck: Duration
    /// A reading this long after the previous one only starts a new window.
    private let staleAfter: Duration
    private let state: Mutex<State>

    private struct State {
        var activity: ServingActivity?
        /// When the file was last looked for, or checked to be the one mapped.
        var lookedFor: ContinuousClock.Instant?
        var lastCount: UInt64 = 0
        var lastTime: ContinuousClock.Instant?
        /// Requests a second over the last full window.
        var rate: Double = 0
    }

    package init(directory: URL, window: Duration = .milliseconds(50), recheck: Duration = .seconds(1),
                 staleAfter: Duration = .seconds(1)) {
        self.directory = directory
        self.window = window
        self.recheck = recheck
        self.staleAfter = staleAfter
        state = Mutex(State())
    }

    /// Requests a second answered over the last full window (0 while no server has made the count).
    package func rate() -> Double {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let activity = state.activity else {
                if let looked = state.lookedFor, now - looked < recheck { return 0 }
                state.lookedFor = now
                guard let found = ServingActivity.forReading(in: directory) else { return 0 }
                state.activity = found
                state.lastCount = found.answered
                state.lastTime = now
                return 0
            }
            if let looked = state.lookedFor, now - looked >= recheck {
                state.lookedFor = now
                guard activity.isCurrent(in: directory) else {
                    // Removed, or replaced: look for it again at the next call.
                    state.activity = nil
                    state.lookedFor = nil
                    state.rate = 0
                    return 0
                }
            }
            guard let last = state.lastTime, now - last >= window else { return state.rate }
            let elapsed = now - last
            let count = activity.answered
            if elapsed > staleAfter {
                state.lastCount = count
                state.lastTime = now
                state.rate = 0
                return 0
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            state.rate = Double(count &- state.lastCount) / seconds
            state.lastCount = count
            state.lastTime = now
            return state.rate
        }
    }

    /// True while the last full window saw at least `threshold` requests a second.
    package func isBusy(threshold: Double) -> Bool {
        rate() >= threshold
    }
}
