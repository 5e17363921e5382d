/// Syslog priorities as the journal's `PRIORITY=` field uses them (0 = emergency … 7 = debug).
///
/// Drift is a `warning` so `journalctl -p warning -u shopperd` shows every alert an operator must
/// act on; routine batches are `info`.
package enum JournalPriority: Int, Comparable, Sendable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
