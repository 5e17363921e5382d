#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The facts ``LogTarget/auto`` decides from, gathered once so the decision is a pure function.
package struct LogEnvironment: Equatable, Sendable {
    /// The socket `sd_journal_sendv` writes to.
    package static let journalSocketPath = "/run/systemd/journal/socket"

    /// `/run/systemd/journal/socket` accepts datagrams: a journald is listening. A stale socket
    /// file left by a journald that died does not count.
    package var journalSocketExists: Bool
    /// `JOURNAL_STREAM` (`device:inode`, set by systemd for `StandardError=journal`) names the
    /// file stderr is open on, i.e. stderr already goes to the journal.
    package var stderrIsJournalStream: Bool
    /// stderr is a terminal (someone is watching).
    package var stderrIsTerminal: Bool

    package init(journalSocketExists: Bool, stderrIsJournalStream: Bool, stderrIsTerminal: Bool) {
        self.journalSocketExists = journalSocketExists
        self.stderrIsJournalStream = stderrIsJournalStream
        self.stderrIsTerminal = stderrIsTerminal
    }

    /// Inspects this process: the journal socket, `JOURNAL_STREAM` against `stderrFD`, and
    /// whether `stderrFD` is a terminal.
    package static func current(stderrFD: Int32 = STDERR_FILENO) -> LogEnvironment {
        let journalStream = getenv("JOURNAL_STREAM").map { String(cString: $0) }
        return LogEnvironment(
            journalSocketExists: isListening(journalSocketPath),
            stderrIsJournalStream: journalStream.map { matches(journalStream: $0, fd: stderrFD) } ?? false,
            stderrIsTerminal: isatty(stderrFD) == 1)
    }

    /// Whether a datagram socket at `path` has a listener: `connect(2)` on an `AF_UNIX` datagram
    /// socket fails with `ECONNREFUSED` when nobody is bound, and sends nothing when someone is.
    package static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        } == 0
    }

    /// Whether `value` (`"<device>:<inode>"`, decimal) names the file `fd` is open on.
    package static func matches(journalStream value: String, fd: Int32) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
