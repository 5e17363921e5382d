import ShopperIO

/// Why the inbox cannot be watched or listed; each message says what the operator should do.
package enum InboxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The inbox could not be opened (missing, not a directory, not permitted).
    case cannotOpen(directory: String, errno: Int32)
    /// `inotify_init1` failed, typically because `fs.inotify.max_user_instances` is exhausted.
    case inotifyUnavailable(errno: Int32)
    /// `inotify_add_watch` failed (`ENOSPC`: `fs.inotify.max_user_watches` exhausted).
    case cannotWatch(directory: String, errno: Int32)
    /// Listing the directory failed half-way.
    case cannotList(directory: String, errno: Int32)

    package var description: String {
        switch self {
        case let .cannotOpen(directory, code):
            "cannot open inbox \(directory): \(ErrnoText.describe(code)); create it (systemd-tmpfiles --create) or fix --inbox and its permissions"
        case let .inotifyUnavailable(code):
            "cannot create an inotify instance: \(ErrnoText.describe(code)); raise fs.inotify.max_user_instances or stop other watchers"
        case let .cannotWatch(directory, code):
            "cannot watch inbox \(directory): \(ErrnoText.describe(code)); raise fs.inotify.max_user_watches or check the directory"
        case let .cannotList(directory, code):
            "cannot list inbox \(directory): \(ErrnoText.describe(code)); check the directory and its permissions"
        }
    }
}
