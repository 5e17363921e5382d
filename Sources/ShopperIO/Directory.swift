#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Directories: create (one level, or with every missing parent), list, flush.
package enum Directory {
    /// Creates `path` unless it exists (its parent must exist).
    package static func create(_ path: String, mode: mode_t = 0o750) throws(FileSystemError) {
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw FileSystemError("create directory", path: path)
        }
    }

    /// `mkdir -p`: creates `path` and its missing parents. Fails with `ENOTDIR` on the first part
    /// of the path that exists and is not a directory.
    package static func createAll(_ path: String, mode: mode_t = 0o750) throws(FileSystemError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            try create(prefix, mode: mode)
            var info = stat()
            if stat(prefix, &info) == 0 && info.st_mode & S_IFMT != S_IFDIR {
                throw FileSystemError("create directory", path: prefix, code: ENOTDIR)
            }
        }
    }

    /// The names in `directory`, without `.` and `..`, in no particular order.
    package static func list(_ directory: String) throws(FileSystemError) -> [String] {
        guard let dir = opendir(directory) else { throw FileSystemError("list", path: directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Flushes a directory's entries (creations, renames) to disk.
    package static func sync(_ directory: String) throws(FileSystemError) {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(path: directory, .readOnly, options: [.directory]) } catch {
            throw FileSystemError("open directory", path: directory, error)
        }
        defer { try? fd.close() }
        do { try fd.sync() } catch { throw FileSystemError("fsync directory", path: directory, error) }
    }
}
