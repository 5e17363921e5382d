/// Every path the daemon keeps for the inbox, spelled once.
///
/// Inside the inbox, under the hidden `.shopperd/` (the inbox's naming rule, ``InboxFileName/isIgnored``,
/// keeps it from ever looking like a batch): `claimed/` (``Spool``'s queue, `ID.data` + `ID.name`) and
/// `lock` (one daemon per inbox). Under the state directory: `archive/` and `quarantine/`, where
/// finished entries are filed. An unreadable entry that cannot be filed is put back in the inbox as
/// `.unreadable--ID--STEM.csv`.
package struct InboxLayout: Sendable, Equatable {
    /// The inbox, as configured.
    package let inbox: String

    package init(inbox: String) {
        self.inbox = inbox
    }

    /// The name of the daemon's own directory inside the inbox.
    package static let bookkeepingName = ".shopperd"

    /// The daemon's own directory inside the inbox: `INBOX/.shopperd`.
    package var bookkeeping: String { inbox + "/" + Self.bookkeepingName }
    /// Claimed entries waiting to be processed: `INBOX/.shopperd/claimed`.
    package var claimed: String { bookkeeping + "/claimed" }
    /// The instance lock: `INBOX/.shopperd/lock`.
    package var lock: String { bookkeeping + "/lock" }

    /// Where an unreadable entry is put back: `INBOX/.unreadable--FINISHED`.
    package func unreadable(_ finishedName: String) -> String {
        inbox + "/.unreadable--" + finishedName
    }

    /// Accepted inputs, filed: `STATE/archive`.
    package static func archive(inState state: String) -> String { state + "/archive" }
    /// Rejected inputs, filed: `STATE/quarantine`.
    package static func quarantine(inState state: String) -> String { state + "/quarantine" }
}
