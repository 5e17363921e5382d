#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Lists the entries already waiting in the inbox, oldest first.
///
/// Used at start-up (files that arrived while the daemon was down) and after an inotify overflow.
/// "Oldest first" is by modification time, then by name bytes, so that batches are processed in
/// the order operators dropped them and the order is total (two files with the same mtime are
/// still ordered the same way on every scan). The same name filter as ``InotifyWatcher`` applies
/// (``InboxFileName/isIgnored``); entries of every type are listed, because a symlink or a FIFO
/// in the inbox still needs an outcome (a rejection), which is the pipeline's decision.
///
/// The scan is synchronous: it is a few `getdents`/`fstatat` calls on a local directory, done
/// once at start-up or after an overflow.
package struct InboxScanner: Sendable {
    /// One waiting entry and the modification time it was ordered by.
    package struct Entry: Hashable, Sendable {
        package let name: InboxFileName
        /// Seconds and nanoseconds since the epoch (`st_mtim`), kept exact for ordering.
        package let modifiedSeconds: Int
        package let modifiedNanoseconds: Int
    }

    /// The directory to list, as given.
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// The waiting entries with their modification times, oldest first.
    package func entries() throws(InboxError) -> [Entry] {
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw .cannotOpen(directory: directory, errno: errno) }
        guard let stream = fdopendir(directoryFD) else {
            let code = errno
            close(directoryFD)
            throw .cannotOpen(directory: directory, errno: code)
        }
        defer { closedir(stream) }  // also closes directoryFD

        var found: [Entry] = []
        while true {
            errno = 0
            guard let record = readdir(stream) else {
                if errno != 0 { throw .cannotList(directory: directory, errno: errno) }
                break
            }
            let nameBytes = withUnsafeBytes(of: record.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            guard let name = InboxFileName(bytes: nameBytes), !name.isIgnored else { continue }
            var info = stat()
            let status = name.withCString { fstatat(directoryFD, $0, &info, AT_SYMLINK_NOFOLLOW) }
            guard status == 0 else { continue }  // removed since readdir saw it: nothing waits
            found.append(Entry(
                name: name,
                modifiedSeconds: Int(info.st_mtim.tv_sec),
                modifiedNanoseconds: Int(info.st_mtim.tv_nsec)))
        }
        return found.sorted { lhs, rhs in
            if lhs.modifiedSeconds != rhs.modifiedSeconds { return lhs.modifiedSeconds < rhs.modifiedSeconds }
            if lhs.modifiedNanoseconds != rhs.modifiedNanoseconds {
                return lhs.modifiedNanoseconds < rhs.modifiedNanoseconds
            }
            return lhs.name.bytes.lexicographicallyPrecedes(rhs.name.bytes)
        }
    }
}
