/// One `struct inotify_event` as read from the descriptor, with its name's bytes (NUL padding
/// removed). A plain value so parsing can be checked apart from the kernel.
struct InotifyRecord: Equatable, Sendable {
    var watch: Int32
    var mask: UInt32
    var cookie: UInt32
    var name: [UInt8]
}
