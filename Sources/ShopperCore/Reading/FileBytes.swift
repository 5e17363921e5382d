#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole regular file into memory with POSIX calls: one `fstat` to size the buffer (and to
/// refuse an oversized file before reading it), then `read` straight into the array's storage.
enum FileBytes {
    static func contents(path: String, fileName: String, maxBytes: Int?) throws(BatchError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(file: fileName, reason: "\(path): \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(file: fileName, reason: "\(path): \(errnoText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(file: fileName, reason: "\(path) is not a regular file")
        }
        let size = Int(info.st_size)
        if let maxBytes, size > maxBytes { throw .tooLarge(file: fileName, byteSize: size, limit: maxBytes) }
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw .unreadable(file: fileName, reason: "\(path): \(String(cString: strerror(failure)))") }
        // The file may have grown since fstat: read the rest too, so the hash covers what is there.
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .unreadable(file: fileName, reason: "\(path): \(errnoText())") }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if let maxBytes, bytes.count > maxBytes { throw .tooLarge(file: fileName, byteSize: bytes.count, limit: maxBytes) }
        }
        return bytes
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
