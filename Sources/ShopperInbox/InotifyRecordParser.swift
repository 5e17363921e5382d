/// Splits the bytes of one `read(2)` on an inotify descriptor into records.
///
/// The kernel packs variable-length `struct inotify_event { int wd; uint32_t mask, cookie, len;
/// char name[len]; }` records back to back, `name` NUL-padded to `len`. Reading them by byte
/// offsets (not by casting to the C struct, whose flexible array Swift cannot import) keeps
/// the name's exact bytes.
enum InotifyRecordParser {
    static let headerSize = 16

    static func parse(_ bytes: UnsafeRawBufferPointer) -> [InotifyRecord] {
        var records: [InotifyRecord] = []
        var offset = 0
        while offset + headerSize <= bytes.count {
            let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let cookie = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            let nameEnd = min(nameStart + length, bytes.count)
            let name = Array(bytes[nameStart..<nameEnd].prefix { $0 != 0 })
            records.append(InotifyRecord(watch: watch, mask: mask, cookie: cookie, name: name))
            offset = nameStart + length
        }
        return records
    }
}
