#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Writes a file so that a reader never sees half of it: the bytes go to a hidden temporary name
/// in the same directory, are flushed to disk, and only then renamed over the final name; the
/// directory is flushed too so the rename survives a power cut.
///
/// Readers watching the outbox ignore dot-files, so the temporary name is `.NAME.tmp-PID`.
package enum AtomicFile {
    package static func write(_ bytes: some Collection<UInt8>, to directory: String, name: String, mode: mode_t = 0o644) throws(FileSystemError) {
        let finalPath = directory + "/" + name
        let tempPath = directory + "/" + temporaryName(for: name, pid: getpid())
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(
                path: tempPath, .writeOnly, options: [.create, .truncate, .noFollow], permissions: FilePermissions(rawValue: mode))
        } catch {
            throw FileSystemError("create", path: tempPath, error)
        }
        do throws(FileSystemError) {
            do { try fd.write(all: bytes) } catch { throw FileSystemError("write", path: tempPath, error) }
            do { try fd.sync() } catch { throw FileSystemError("fsync", path: tempPath, error) }
        } catch {
            try? fd.close()
            unlink(tempPath)
            throw error
        }
        do { try fd.closeChecked() } catch {
            unlink(tempPath)
            throw FileSystemError("close", path: tempPath, error)
        }
        guard rename(tempPath, finalPath) == 0 else {
            let error = FileSystemError("rename", path: finalPath)
            unlink(tempPath)
            throw error
        }
        try Directory.sync(directory)
    }

    /// The hidden name `write` uses for `name` while process `pid` writes it.
    static func temporaryName(for name: String, pid: pid_t) -> String {
        "." + name + ".tmp-\(pid)"
    }

    /// The writer's pid when `name` is one of `write`'s temporaries (`.NAME.tmp-PID`), else nil.
    static func writerPID(ofTemporary name: String) -> pid_t? {
        guard name.hasPrefix("."), let dash = name.lastIndex(of: "-") else { return nil }
        let head = name[..<dash], digits = name[name.index(after: dash)...]
        guard head.hasSuffix(".tmp"), head.count > ".tmp".count + 1,
              !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let pid = pid_t(digits), pid > 0 else { return nil }
        return pid
    }

    /// Removes the temporaries of writers that died before renaming them (a `kill -9`, a power
    /// cut): nothing will ever finish them, and left alone they pile up one per crash. A temporary
    /// is dead when its pid is this process's own (called at start-up, before this process writes
    /// anything) or no process has that pid; a live writer's file is left alone. Best effort: a
    /// directory that cannot be listed or a file that cannot be removed is left as it is (a stray
    /// hidden file is harmless; refusing to start over it is not).
    package static func removeDeadTemporaries(in directory: String) {
        var removedAny = false
        for name in (try? Directory.list(directory)) ?? [] {
            guard let pid = writerPID(ofTemporary: name) else { continue }
            let dead = pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH)
            if dead && unlink(directory + "/" + name) == 0 { removedAny = true }
        }
        if removedAny { try? Directory.sync(directory) }
    }

    /// Copies a regular file into `directory/name` atomically (used when a rename would cross file
    /// systems).
    package static func copy(from source: String, to directory: String, name: String) throws(FileSystemError) {
        let bytes: [UInt8]
        do { bytes = try WholeFile.read(path: source, options: [.noFollow]) } catch {
            switch error {
            case .system(let failure): throw failure
            case .notRegularFile, .tooLarge: throw FileSystemError("copy", path: source, code: EINVAL)
            }
        }
        try write(bytes, to: directory, name: name)
    }
}
