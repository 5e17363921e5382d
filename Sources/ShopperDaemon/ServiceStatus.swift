/// The facts behind `STATUS=`, rendered as one line for `systemctl status shopperd`:
/// `idle · champion v3 · 12 batches · last drift 10:42`.
///
/// The line deliberately has no running counters (elapsed seconds), so it only changes when
/// something happens and `STATUS=` is not re-sent on every watchdog tick.
package struct ServiceStatus: Equatable, Sendable {
    package var activity: ServiceActivity = .starting
    /// The serving model's version, `nil` until a champion exists.
    package var champion: String?
    /// Batches given an outcome (any outcome), counting those of earlier runs the store records.
    package var batchesProcessed = 0
    /// When drift was last detected.
    package var lastDrift: ClockTime?
    /// A free-form remark, e.g. "waiting for labelled data to train a first champion".
    package var note: String?

    package init() {}

    package var line: String {
        var parts: [String] = []
        switch activity {
        case .starting: parts.append("starting")
        case .idle: parts.append("idle")
        case let .processing(batch): parts.append("processing \(batch)")
        case let .stuck(batch, limit):
            parts.append("STUCK: batch \(batch) over the \(Self.render(limit)) limit, watchdog pings withheld so systemd restarts shopperd")
        case let .silent(limit):
            parts.append("SILENT: no heartbeat for over \(Self.render(limit)), watchdog pings withheld")
        case .stopping: parts.append("stopping")
        }
        parts.append(champion.map { "champion \($0)" } ?? "no champion yet")
        parts.append("\(batchesProcessed) batch\(batchesProcessed == 1 ? "" : "es")")
        if let lastDrift { parts.append("last drift \(lastDrift)") }
        if let note, !note.isEmpty { parts.append(note) }
        return parts.joined(separator: " · ")
    }

    /// `250 ms`, `45 s`, `1.5 s`: short and exact enough for a status line.
    static func render(_ duration: Duration) -> String {
        let milliseconds = DaemonEvent.milliseconds(duration)
        if milliseconds < 1_000 { return "\(milliseconds) ms" }
        if milliseconds % 1_000 == 0 { return "\(milliseconds / 1_000) s" }
        return "\(Double(milliseconds) / 1_000) s"
    }
}
