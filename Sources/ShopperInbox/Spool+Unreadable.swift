#if canImport(Glibc)
import Glibc
#endif
import ShopperIO

/// Filing an entry the service may not read (mode 0600, another owner).
///
/// Renaming needs no read permission, so on one file system it is filed in `quarantine/` like any
/// rejected input. Under the hardened unit the inbox and the state directory are separate mounts:
/// filing there means copying, which needs exactly the permission that is missing. Such an entry is
/// then put back in the inbox under a hidden name, `.unreadable--ID--NAME.csv` (the watcher ignores
/// dot-names), where the operator who dropped it can fix its mode and rename it back: out of the
/// claim area, nothing lost, nothing blocked.
extension Spool {
    /// Where an unreadable entry is kept when the quarantine is on another mount.
    func unreadableKeepPath(_ entry: SpoolEntry) -> String {
        InboxLayout(inbox: inboxDirectory).unreadable(Self.finishedName(entry))
    }

    /// Whether the claimed entry is a regular file this process cannot open for reading.
    func isUnreadableFile(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd >= 0 {
            close(fd)
            return false
        }
        return errno == EACCES || errno == EPERM
    }

    /// Whether a rename from the claim area into `directory` fails with `EXDEV` (another mount:
    /// bind mounts of one file system share `st_dev`, so only trying tells). Tried with an empty
    /// probe file named like a temporary, which start-up sweeps if a crash leaves it.
    func renameCrossesMounts(to directory: String) -> Bool {
        let name = "/.mount-probe.tmp-\(getpid())"
        let fd = open(claimDirectory + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        close(fd)
        defer { unlink(claimDirectory + name) }
        if rename(claimDirectory + name, directory + name) == 0 {
            unlink(directory + name)
            return false
        }
        return errno == EXDEV
    }

    /// Puts an unreadable entry back in the inbox under its hidden name; returns that path.
    func keepUnreadableInInbox(_ entry: SpoolEntry) throws(FileSystemError) -> String {
        let kept = unreadableKeepPath(entry)
        guard rename(dataPath(entry), kept) == 0 else { throw FileSystemError("move unreadable entry back", path: kept) }
        try Directory.sync(inboxDirectory)
        return kept
    }
}
