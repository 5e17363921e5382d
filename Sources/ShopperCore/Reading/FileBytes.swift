import ShopperIO

/// A batch file's bytes (``WholeFile``), with a failure worded as a ``BatchError``.
enum FileBytes {
    static func contents(path: String, fileName: String, maxBytes: Int?) throws(BatchError) -> [UInt8] {
        do {
            return try WholeFile.read(path: path, maxBytes: maxBytes)
        } catch {
            switch error {
            case .system(let failure): throw .unreadable(file: fileName, reason: "\(path): \(ErrnoText.message(failure.code))")
            case .notRegularFile: throw .unreadable(file: fileName, reason: "\(path) is not a regular file")
            case .tooLarge(let bytes, let limit): throw .tooLarge(file: fileName, byteSize: bytes, limit: limit)
            }
        }
    }
}
