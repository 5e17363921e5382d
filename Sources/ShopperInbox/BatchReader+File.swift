import Foundation
import ShopperCore
import ShopperIO

extension BatchReader {
    /// Reads the file at `url` through the one I/O layer (``WholeFile``: refused before reading
    /// when over `maxBytes`); the batch is named by the file's last path component. Here, not in
    /// ShopperCore, which stays pure: it parses bytes and never touches the file system.
    package func read(contentsOf url: URL) throws(BatchError) -> ParsedBatch {
        let name = url.lastPathComponent
        let bytes: [UInt8]
        do {
            bytes = try WholeFile.read(path: url.path, maxBytes: maxBytes)
        } catch {
            switch error {
            case .system(let failure): throw .unreadable(file: name, reason: "\(url.path): \(ErrnoText.message(failure.code))")
            case .notRegularFile: throw .unreadable(file: name, reason: "\(url.path) is not a regular file")
            case .tooLarge(let size, let limit): throw .tooLarge(file: name, byteSize: size, limit: limit)
            }
        }
        return try read(bytes: bytes, fileName: name)
    }
}
