#if canImport(Glibc)
import Glibc
#endif
import ShopperIO
import SystemPackage

/// Why a claimed entry is not read at all. Each is final: the entry goes to quarantine with a
/// `rejected.json` saying this.
package enum RefusalReason: Sendable, Equatable, CustomStringConvertible {
    case symbolicLink
    case fifo
    case deviceNode
    case directory
    case socket
    case hardLink(links: Int)
    case tooLarge(bytes: Int, limit: Int)
    /// The service may not read it (`open` refused with `EACCES`/`EPERM`): typically a file copied
    /// in under `umask 077`, mode 0600 and owned by someone else. Permanent: retrying cannot change
    /// the file's mode, and it must not hold up the batches behind it.
    case unreadable(FileAccess)

    package var description: String {
        switch self {
        case .symbolicLink: "a symbolic link: refused without following it (inbox entries must be regular files)"
        case .fifo: "a FIFO (named pipe): refused without reading it (inbox entries must be regular files)"
        case .deviceNode: "a device node: refused without opening it (inbox entries must be regular files)"
        case .directory: "a directory: refused (inbox entries must be regular files)"
        case .socket: "a socket: refused (inbox entries must be regular files)"
        case .hardLink(let links):
            "a hard link (\(links) names for the same file): refused without reading, since it may expose a file outside the inbox; copy the file instead"
        case .tooLarge(let bytes, let limit):
            "\(bytes) bytes, over the \(limit)-byte limit (max-file-bytes): refused without reading it; split the batch"
        case .unreadable(let access):
            "not readable by the service: \(access). Make it readable by the service's group "
                + "(chgrp \(access.serviceGroup) FILE && chmod g+r FILE, or write it with umask 027) and drop it again"
        }
    }
}

/// What reading a claimed entry gave.
package enum InputFileContent: Sendable, Equatable {
    case bytes([UInt8])
    case refused(RefusalReason)
    /// Size or modification time changed while we read: a writer still has the file open. The
    /// caller waits and reads again rather than ingesting a torn file.
    case changedWhileReading
}

/// Reads a claimed inbox entry defensively: never follows a symlink (`O_NOFOLLOW`), never blocks on
/// a FIFO (`O_NONBLOCK`), accepts only a regular file with a single name, refuses one over the size
/// limit from its `fstat` size without reading it, and detects a file modified during the read.
package enum InputFile {
    package static func read(path: String, maxBytes: Int) throws(FileSystemError) -> InputFileContent {
        var linkInfo = stat()
        guard lstat(path, &linkInfo) == 0 else { throw FileSystemError("stat", path: path) }
        if let refusal = refusal(for: linkInfo, maxBytes: maxBytes) { return .refused(refusal) }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path: path, .readOnly, options: [.noFollow, .nonBlocking, .noControllingTerminal])
        } catch {
            if error == .tooManySymbolicLinkLevels { return .refused(.symbolicLink) }
            if error == .permissionDenied || error == .notPermitted { return .refused(.unreadable(FileAccess(linkInfo))) }
            throw FileSystemError("open", path: path, error)
        }
        defer { try? fd.close() }
        var before = stat()
        guard fstat(fd.rawValue, &before) == 0 else { throw FileSystemError("stat", path: path) }
        if let refusal = refusal(for: before, maxBytes: maxBytes) { return .refused(refusal) }

        let expected = Int(before.st_size)
        let bytes: [UInt8]
        do { bytes = try fd.read(upTo: expected) } catch { throw FileSystemError("read", path: path, error) }
        if bytes.count < expected { return .changedWhileReading }  // truncated under us
        let extra = (try? fd.read(upTo: 1))?.count ?? -1
        var after = stat()
        guard fstat(fd.rawValue, &after) == 0 else { throw FileSystemError("stat", path: path) }
        if extra != 0 || after.st_size != before.st_size
            || after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec
        {
            return .changedWhileReading
        }
        return .bytes(bytes)
    }

    static func refusal(for info: stat, maxBytes: Int) -> RefusalReason? {
        switch info.st_mode & S_IFMT {
        case S_IFLNK: return .symbolicLink
        case S_IFIFO: return .fifo
        case S_IFCHR, S_IFBLK: return .deviceNode
        case S_IFDIR: return .directory
        case S_IFSOCK: return .socket
        default: break
        }
        if info.st_nlink > 1 { return .hardLink(links: Int(info.st_nlink)) }
        if Int(info.st_size) > maxBytes { return .tooLarge(bytes: Int(info.st_size), limit: maxBytes) }
        return nil
    }
}
