/// Where events actually go once ``LogTarget`` is resolved.
package enum LogSink: String, Sendable {
    /// Native journal protocol (`sd_journal_sendv`): typed fields, filterable by `MESSAGE_ID`.
    case journal
    /// One JSON object per line on stderr, with the same fields as the journal entry.
    case stderr
}
