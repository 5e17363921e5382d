#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The facts ``LogTarget/auto`` decides from, gathered once so the decision is a pure function.
public struct LogEnvironment: Equatable, Sendable {
    /// The socket `sd_journal_sendv` writes to.
    public static let journalSocketPath = "/run/systemd/journal/socket"

    /// `/run/systemd/journal/socket` exists and is a socket.
    public var journalSocketExists: Bool
    /// `JOURNAL_STREAM` (`device:inode`, set by systemd for `StandardError=journal`) names the
    /// file stderr is open on, i.e. stderr already goes to the journal.
    public var stderrIsJournalStream: Bool
    /// stderr is a terminal (someone is watching).
    public var stderrIsTerminal: Bool

    public init(journalSocketExists: Bool, stderrIsJournalStream: Bool, stderrIsTerminal: Bool) {
        self.journalSocketExists = journalSocketExists
        self.stderrIsJournalStream = stderrIsJournalStream
        self.stderrIsTerminal = stderrIsTerminal
    }

    /// Inspects this process: the journal socket, `JOURNAL_STREAM` against `stderrFD`, and
    /// whether `stderrFD` is a terminal.
    public static func current(stderrFD: Int32 = STDERR_FILENO) -> LogEnvironment {
        var socketInfo = stat()
        let socketExists = stat(journalSocketPath, &socketInfo) == 0 && (socketInfo.st_mode & S_IFMT) == S_IFSOCK
        let journalStream = getenv("JOURNAL_STREAM").map { String(cString: $0) }
        return LogEnvironment(
            journalSocketExists: socketExists,
            stderrIsJournalStream: journalStream.map { matches(journalStream: $0, fd: stderrFD) } ?? false,
            stderrIsTerminal: isatty(stderrFD) == 1)
    }

    /// Whether `value` (`"<device>:<inode>"`, decimal) names the file `fd` is open on.
    public static func matches(journalStream value: String, fd: Int32) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
