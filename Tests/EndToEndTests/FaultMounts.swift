import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The faults the daemon's fault tests inject, made with mount(2) and the kernel's own limits
/// rather than permission bits: the tests run as root, and root ignores `chmod`.
///
/// Every mount is undone by ``unmount(_:)`` (lazily, so a daemon that still has a file open on it
/// cannot keep the test's directory mounted).
enum FaultMounts {
    /// Whether mounts can be made here (root, with CAP_SYS_ADMIN in this mount namespace).
    static let available: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "shopperd-mount-probe-\(getpid())"
        mkdir(probe, 0o700)
        defer { rmdir(probe) }
        guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount2(probe, Int32(MNT_DETACH))
        return true
    }()

    static let unavailableReason = "needs root with mount(2) (CAP_SYS_ADMIN): the faults are read-only and full mounts"

    /// Mounts a fresh tmpfs of `kilobytes` on `path` (created if missing).
    static func tmpfs(at path: String, kilobytes: Int) throws {
        mkdir(path, 0o750)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(kilobytes)k,mode=0750") == 0 else {
            throw DaemonTestError("mount tmpfs on \(path): errno \(errno)")
        }
    }

    /// Makes `path` read-only in place: a bind mount of itself, remounted read-only. Files already
    /// open for writing (through the original mount) stay writable; every new open, create or
    /// rename under `path` fails with `EROFS`, as after `mount -o remount,ro`.
    static func makeReadOnly(_ path: String) throws {
        guard mount(path, path, nil, UInt(MS_BIND), nil) == 0 else {
            throw DaemonTestError("bind mount \(path): errno \(errno)")
        }
        guard mount(nil, path, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) == 0 else {
            let code = errno
            umount2(path, Int32(MNT_DETACH))
            throw DaemonTestError("remount \(path) read-only: errno \(code)")
        }
    }

    /// Makes `path` a mount of its own (a bind mount of itself), as the hardened unit's
    /// `StateDirectory=`/`ReadWritePaths=` make the state, inbox and outbox: a rename from another
    /// mount into it fails with `EXDEV`, though both are the same file system.
    static func bindOnItself(_ path: String) throws {
        guard mount(path, path, nil, UInt(MS_BIND), nil) == 0 else {
            throw DaemonTestError("bind mount \(path): errno \(errno)")
        }
    }

    /// Undoes the mount on `path` (the directory underneath shows again).
    static func unmount(_ path: String) {
        umount2(path, Int32(MNT_DETACH))
    }

    /// Fills the file system holding `directory` with `NAME` until writing fails with `ENOSPC`;
    /// returns the filler's path (remove it to free the space).
    static func fill(_ directory: String, name: String = "filler") throws -> String {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DaemonTestError("open \(path): errno \(errno)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x46, count: 4096)
        while true {
            let written = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                guard errno == ENOSPC else { throw DaemonTestError("fill \(path): errno \(errno)") }
                return path
            }
            if written < chunk.count {
                continue  // the last partial write; the next one reports ENOSPC
            }
        }
    }
}

/// `fs.inotify.max_queued_events`: how many events one inotify instance may queue. An instance
/// takes the value in force when it is created, so a test lowers it, starts the daemon, and puts
/// it back at once (the daemon keeps its small queue; nothing else on the machine does).
enum InotifyQueueLimit {
    static let path = "/proc/sys/fs/inotify/max_queued_events"

    static var writable: Bool { access(path, W_OK) == 0 && geteuid() == 0 }

    static func read() throws -> Int {
        guard let value = Int(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw DaemonTestError("\(path) is not a number")
        }
        return value
    }

    static func write(_ value: Int) throws {
        try String(value).write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// Runs `body` with the limit at `value`, restoring the previous one afterwards (also when it throws).
    static func with<T>(_ value: Int, _ body: () async throws -> T) async throws -> T {
        let previous = try read()
        try write(value)
        do {
            let result = try await body()
            try write(previous)
            return result
        } catch {
            try? write(previous)
            throw error
        }
    }
}
