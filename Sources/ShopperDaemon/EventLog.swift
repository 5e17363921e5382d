import CSystemd
import ShopperIO
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes ``DaemonEvent``s as structured entries: to the journal through `sd_journal_sendv`, or to
/// stderr as one JSON object per line with the same fields.
///
/// Every entry carries `MESSAGE`, `MESSAGE_ID` (fixed per event kind, explained by
/// `systemd/shopperd.catalog`), `PRIORITY`, `SYSLOG_IDENTIFIER` and `SHOPPERD_EVENT`, then the
/// event's own fields (`SHOPPERD_BATCH`, `ROWS`, `DRIFT`, …). The variadic `sd_journal_send` cannot
/// be called from Swift, hence `sd_journal_sendv` with one iovec per `FIELD=value`; values may
/// hold any bytes, including newlines, which libsystemd encodes in the binary-safe form.
///
/// If a journal write fails (journald restarting, socket gone) the entry is written to stderr
/// instead, so an event is never dropped silently. Safe to call from any thread.
package final class EventLog: Sendable {
    /// Where entries go.
    package let sink: LogSink
    /// `SYSLOG_IDENTIFIER=`, what `journalctl -t` filters on.
    package let identifier: String
    private let stderrFD: Int32
    /// Serialises stderr writes so concurrent events never interleave within a line.
    private let stderrLock = Mutex(())

    /// - Parameters:
    ///   - target: the operator's choice; `.journal` throws when there is no journal socket.
    ///   - stderrFD: the descriptor of the JSON sink (stderr; tests pass a file).
    ///   - environment: the facts `.auto` decides from; defaults to this process's.
    package init(
        target: LogTarget = .auto,
        identifier: String = "shopperd",
        stderrFD: Int32 = STDERR_FILENO,
        environment: LogEnvironment? = nil
    ) throws(EventLogError) {
        let facts = environment ?? LogEnvironment.current(stderrFD: stderrFD)
        if target == .journal && !facts.journalSocketExists {
            throw .journalUnavailable(socket: LogEnvironment.journalSocketPath)
        }
        self.sink = target.resolve(in: facts)
        self.identifier = identifier
        self.stderrFD = stderrFD
    }

    /// Records `event` on the sink.
    package func log(_ event: DaemonEvent) {
        let fields = entry(for: event)
        switch sink {
        case .journal:
            if Self.sendToJournal(fields) < 0 { writeLine(fields) }
        case .stderr:
            writeLine(fields)
        }
    }

    /// The complete field list of `event`'s entry, in the order it is written.
    package func entry(for event: DaemonEvent) -> [JournalField] {
        let kind = event.kind
        return [
            JournalField("MESSAGE", event.message),
            JournalField("MESSAGE_ID", kind.messageID.hex),
            JournalField("PRIORITY", kind.priority.rawValue),
            JournalField("SYSLOG_IDENTIFIER", identifier),
            JournalField("SHOPPERD_EVENT", kind.rawValue),
        ] + event.fields
    }

    /// One `FIELD=value` iovec per field, all pointing into one contiguous buffer that outlives
    /// the call. Returns `sd_journal_sendv`'s result (negative errno on failure).
    private static func sendToJournal(_ fields: [JournalField]) -> Int32 {
        var storage: [UInt8] = []
        var spans: [(start: Int, count: Int)] = []
        for field in fields {
            let start = storage.count
            storage.append(contentsOf: field.name.utf8)
            storage.append(UInt8(ascii: "="))
            storage.append(contentsOf: field.value)
            spans.append((start, storage.count - start))
        }
        return storage.withUnsafeMutableBytes { buffer in
            let base = buffer.baseAddress!
            let vectors = spans.map { iovec(iov_base: base + $0.start, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }

    /// Writes the entry as one JSON line, prefixed by a `TIMESTAMP` (the journal adds its own).
    private func writeLine(_ fields: [JournalField]) {
        let line = JSONLineEncoder.encode([JournalField("TIMESTAMP", WallClock.rfc3339Now())] + fields)
        stderrLock.withLock { _ in
            // A failure means stderr is closed or full: nowhere left to report to.
            try? FileDescriptor(rawValue: stderrFD).write(all: line)
        }
    }
}
