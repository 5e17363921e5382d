#if canImport(Glibc)
import Glibc
#endif
import ShopperIO
import Synchronization

/// One claimed input: an arrival number and the original name.
package struct SpoolEntry: Sendable, Hashable, Comparable {
    /// 20 decimal digits, increasing in arrival order; also the batch's job id in the store.
    package let id: String
    package let name: InboxFileName

    package init(id: String, name: InboxFileName) {
        self.id = id
        self.name = name
    }

    package static func < (lhs: SpoolEntry, rhs: SpoolEntry) -> Bool { lhs.id < rhs.id }
}

/// The daemon's queue of claimed inputs.
///
/// Claiming renames an entry from `INBOX/NAME` to `INBOX/.shopperd/claimed/ID.data`. A rename
/// inside one directory tree is atomic and never opens or follows the entry, so every arrival is
/// claimed exactly once, whatever it is (a file, a symlink, a FIFO…), and once claimed its bytes are
/// out of the operator's way. The claim directory lives *inside* the inbox on purpose: under the
/// hardened unit the inbox, the outbox and the state directory are separate bind mounts, and a
/// rename across them fails with `EXDEV`. The inbox watcher ignores dot-names, so the daemon's
/// bookkeeping there never looks like a batch.
///
/// The original name is written first into a sidecar `ID.name`. An entry exists while it is
/// unfinished, so after a crash `pending()` is exactly the work left. A finished entry is filed in
/// the state directory: `archive/ID--STEM.csv` (accepted) or `quarantine/ID--STEM.csv` (rejected)
/// — renamed when on the same file system, otherwise copied, flushed, then removed.
package struct Spool: Sendable {
    package let inboxDirectory: String
    package let claimDirectory: String
    package let archiveDirectory: String
    package let quarantineDirectory: String

    package init(inboxDirectory: String, stateDirectory: String) throws(FileSystemError) {
        let layout = InboxLayout(inbox: inboxDirectory)
        self.inboxDirectory = inboxDirectory
        claimDirectory = layout.claimed
        archiveDirectory = InboxLayout.archive(inState: stateDirectory)
        quarantineDirectory = InboxLayout.quarantine(inState: stateDirectory)
        for directory in [layout.bookkeeping, claimDirectory, stateDirectory, archiveDirectory, quarantineDirectory] {
            try Directory.create(directory)
        }
    }

    /// Moves `INBOX/NAME` into the claim directory. Returns nil when it is gone (claimed already,
    /// or removed by its writer) or when a process still has it open for writing (``WriterLease``):
    /// it stays in the inbox, and its writer's close (`IN_CLOSE_WRITE`) or a later rescan claims it.
    /// The read lease is held across the rename only, so no writer can open the file in between
    /// and none waits on it longer than that.
    package func claim(_ name: InboxFileName) throws(FileSystemError) -> SpoolEntry? {
        let source = InboxFileName.Path(directory: inboxDirectory, name: name)
        var probe = stat()
        guard source.withCString({ lstat($0, &probe) }) == 0 else {
            if errno == ENOENT { return nil }
            throw FileSystemError("stat", path: inboxDirectory + "/" + name.description)
        }
        let lease = WriterLease.probe(source)
        if lease == .writerOpen { return nil }
        let id = Spool.nextID()
        do {
            try AtomicFile.write(name.bytes, to: claimDirectory, name: id + ".name", mode: 0o600)
        } catch {
            WriterLease.release(lease)
            throw error
        }
        let renamed = source.withCString({ rename($0, claimDirectory + "/" + id + ".data") }) == 0
        let code = errno
        WriterLease.release(lease)  // a writer that opens the old name now blocks no longer
        guard renamed else {
            unlink(claimDirectory + "/" + id + ".name")
            if code == ENOENT { return nil }
            throw FileSystemError("claim", path: inboxDirectory + "/" + name.description, code: code)
        }
        try Directory.sync(claimDirectory)
        try Directory.sync(inboxDirectory)
        return SpoolEntry(id: id, name: name)
    }

    /// Unfinished entries, oldest first. Removes what a crash can leave behind: a sidecar whose entry
    /// was never moved (it is still in the inbox and will be claimed again) and temporaries.
    package func pending() throws(FileSystemError) -> [SpoolEntry] {
        var names = try Directory.list(claimDirectory)
        for temporary in names where temporary.hasPrefix(".") {
            unlink(claimDirectory + "/" + temporary)
        }
        names.removeAll { $0.hasPrefix(".") }
        let all = Set(names)
        var entries: [SpoolEntry] = []
        for file in names where file.hasSuffix(".data") {
            let id = String(file.dropLast(5))
            let raw = all.contains(id + ".name") ? (try? WholeFile.read(path: claimDirectory + "/" + id + ".name", options: [.noFollow])) : nil
            let name = raw.flatMap { InboxFileName(bytes: $0) } ?? InboxFileName("unnamed-\(id).csv")!
            entries.append(SpoolEntry(id: id, name: name))
        }
        for file in names where file.hasSuffix(".name") && !all.contains(String(file.dropLast(5)) + ".data") {
            unlink(claimDirectory + "/" + file)
        }
        return entries.sorted()
    }

    /// How many entries are claimed and unfinished in the inbox laid out as `layout` (the `ID.data`
    /// files ``pending()`` lists), without creating or cleaning anything: for `shopperd status`.
    package static func claimedCount(in layout: InboxLayout) -> Int {
        ((try? Directory.list(layout.claimed)) ?? []).filter { !$0.hasPrefix(".") && $0.hasSuffix(".data") }.count
    }

    /// Where the claimed entry is while it is pending.
    package func dataPath(_ entry: SpoolEntry) -> String { claimDirectory + "/" + entry.id + ".data" }

    /// Files an accepted entry in `archive/`; returns its new path.
    @discardableResult
    package func archive(_ entry: SpoolEntry) throws(FileSystemError) -> String {
        try finish(entry, into: archiveDirectory)
    }

    /// Files a rejected entry in `quarantine/`; returns its new path. An entry that is not a regular
    /// file (a symlink, FIFO, device node, directory) is kept as it is when it can be renamed there;
    /// across file systems it cannot be copied, so it is removed and a `.txt` note says what it was.
    /// A hard link is never kept (its other name may be outside the inbox): only the note.
    @discardableResult
    package func quarantine(_ entry: SpoolEntry) throws(FileSystemError) -> String {
        try finish(entry, into: quarantineDirectory)
    }

    /// Where `quarantine(_:)` files an entry (known before it happens, for the rejection report):
    /// the note `….csv.txt` when only a note can be kept.
    package func quarantinePath(_ entry: SpoolEntry) -> String {
        if isUnreadableFile(dataPath(entry)) && renameCrossesMounts(to: quarantineDirectory) { return unreadableKeepPath(entry) }
        return quarantineDirectory + "/" + Self.finishedName(entry) + (keepsOnlyANote(dataPath(entry), in: quarantineDirectory) ? ".txt" : "")
    }

    /// Whether filing `path` into `directory` keeps a note instead of the entry: a hard link (a
    /// regular file with more than one name: the other may be anywhere on the file system,
    /// `ln /etc/shadow inbox/x.csv`, so the daemon never keeps a name of it in its state), or an
    /// entry that is not a regular file when `directory` is on another file system (it can be
    /// renamed as it is, but not copied).
    private func keepsOnlyANote(_ path: String, in directory: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        let regular = info.st_mode & S_IFMT == S_IFREG
        if regular { return info.st_nlink > 1 }
        var target = stat()
        return stat(directory, &target) == 0 && target.st_dev != info.st_dev
    }

    static func finishedName(_ entry: SpoolEntry) -> String {
        entry.id + "--" + entry.name.outboxStem + ".csv"
    }

    private func finish(_ entry: SpoolEntry, into directory: String) throws(FileSystemError) -> String {
        let source = dataPath(entry)
        var kept = directory + "/" + Self.finishedName(entry)
        if keepsOnlyANote(source, in: directory) {
            kept = try replaceWithNote(source, note: kept + ".txt")
        } else if rename(source, kept) != 0 {
            switch errno {
            case ENOENT:
                break  // finished before a crash; only the sidecar is left
            case EXDEV where isUnreadableFile(source):
                kept = try keepUnreadableInInbox(entry)
            case EXDEV:
                let name = String(kept[kept.index(after: kept.lastIndex(of: "/")!)...])
                try AtomicFile.copy(from: source, to: directory, name: name)
                guard unlink(source) == 0 else { throw FileSystemError("remove claimed entry", path: source) }
            default:
                throw FileSystemError("file finished batch", path: kept)
            }
        }
        try Directory.sync(directory)
        unlink(claimDirectory + "/" + entry.id + ".name")
        try Directory.sync(claimDirectory)
        return kept
    }

    /// Writes `note` (what the entry was) and removes the entry; returns the note's path.
    private func replaceWithNote(_ source: String, note: String) throws(FileSystemError) -> String {
        var info = stat()
        guard lstat(source, &info) == 0 else { throw FileSystemError("stat", path: source) }
        let what = (info.st_mode & S_IFMT) == S_IFREG ? "a hard link" : "not a regular file"
        let text = "\(what) (st_mode \(String(info.st_mode, radix: 8)), \(info.st_nlink) links): removed from the inbox, not copied\n"
        let slash = note.lastIndex(of: "/")!
        try AtomicFile.write(Array(text.utf8), to: String(note[..<slash]), name: String(note[note.index(after: slash)...]))
        let removed = (info.st_mode & S_IFMT) == S_IFDIR ? Spool.removeTree(source) : unlink(source) == 0
        guard removed else { throw FileSystemError("remove claimed entry", path: source) }
        return note
    }

    // MARK: - Helpers

    private static let lastID = Mutex<UInt64>(0)

    /// Arrival numbers: wall-clock nanoseconds, strictly increasing within the process, so ids
    /// also sort after those of earlier runs.
    static func nextID() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let candidate = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        let value = lastID.withLock { last in
            last = max(last + 1, candidate)
            return last
        }
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// Removes a directory an operator dropped into the inbox, without following symlinks in it.
    static func removeTree(_ path: String) -> Bool {
        if let names = try? Directory.list(path) {
            for name in names {
                let child = path + "/" + name
                var info = stat()
                if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                    _ = removeTree(child)
                } else {
                    unlink(child)
                }
            }
        }
        return rmdir(path) == 0
    }
}
