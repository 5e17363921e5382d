/// Where the operator asked events to go (`--log-target auto|journal|stderr`).
///
/// The choice is explicit so it can be tested and forced: `journal` fails at start-up when there
/// is no journal (rather than silently printing), `stderr` always prints JSON lines (containers,
/// pipelines), and `auto` decides from the environment (see ``resolve(in:)``).
package enum LogTarget: String, CaseIterable, Sendable {
    case auto
    case journal
    case stderr

    /// The sink this target means in the given environment.
    ///
    /// `auto` picks the journal when stderr is already connected to it (systemd set
    /// `JOURNAL_STREAM` to stderr's device and inode), or when a journal socket exists and stderr
    /// is not a terminal; otherwise stderr. An operator running `shopperd run` in a terminal on a
    /// systemd machine thus sees the events, while a service never double-logs through its
    /// stdout stream.
    package func resolve(in environment: LogEnvironment) -> LogSink {
        switch self {
        case .journal: return .journal
        case .stderr: return .stderr
        case .auto:
            if environment.stderrIsJournalStream { return .journal }
            if environment.journalSocketExists && !environment.stderrIsTerminal { return .journal }
            return .stderr
        }
    }
}
