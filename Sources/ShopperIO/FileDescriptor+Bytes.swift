#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// Reading and writing whole buffers on a descriptor. swift-system retries a call interrupted by a
/// signal (`EINTR`), so no caller loops on it.
extension FileDescriptor {
    /// Reads until `count` bytes have arrived or the file ends: fewer bytes means end of file.
    package func read(upTo count: Int) throws(Errno) -> [UInt8] {
        var failure: Errno?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            while initialized < count {
                do {
                    let n = try read(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[initialized...])))
                    if n == 0 { break }
                    initialized += n
                } catch {
                    failure = Errno.from(error)
                    break
                }
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads what is left of the file after `bytes`, in 64 KiB chunks. With a `limit`, stops as
    /// soon as the total exceeds it (the caller refuses the file without reading the rest).
    package func readToEnd(after bytes: [UInt8] = [], limit: Int? = nil) throws(Errno) -> [UInt8] {
        let chunkSize = 1 << 16
        var bytes = bytes
        while true {
            let chunk = try read(upTo: chunkSize)
            bytes.append(contentsOf: chunk)
            if let limit, bytes.count > limit { return bytes }
            if chunk.count < chunkSize { return bytes }
        }
    }

    /// Writes every byte (a short write is continued).
    package func write(all bytes: some Collection<UInt8>) throws(Errno) {
        do {
            _ = try writeAll(bytes)
        } catch {
            throw Errno.from(error)
        }
    }

    /// Flushes the file's data and metadata to disk (`fsync`).
    package func sync() throws(Errno) {
        if fsync(rawValue) != 0 { throw Errno(rawValue: errno) }
    }

    /// Opens `path`, mapping swift-system's untyped error to its `Errno`.
    package static func open(
        path: String, _ mode: AccessMode, options: OpenOptions, permissions: FilePermissions? = nil
    ) throws(Errno) -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), mode, options: options.union(.closeOnExec), permissions: permissions)
        } catch {
            throw Errno.from(error)
        }
    }

    /// Closes the descriptor; a close that fails after a write may have lost data (`EIO` on NFS).
    package func closeChecked() throws(Errno) {
        do { try close() } catch { throw Errno.from(error) }
    }
}

extension Errno {
    /// swift-system throws only `Errno` from its system calls; anything else is reported as `EIO`.
    static func from(_ error: any Error) -> Errno {
        error as? Errno ?? .ioError
    }
}

extension FileDescriptor.OpenOptions {
    /// `O_NOCTTY`: opening a terminal device never makes it this process's controlling terminal
    /// (swift-system does not name it).
    package static var noControllingTerminal: Self { Self(rawValue: O_NOCTTY) }
}
