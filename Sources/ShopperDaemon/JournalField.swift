/// One journal field: an uppercase name and a value of arbitrary bytes.
///
/// Values are bytes, not text, because a batch's file name may not be UTF-8; the journal stores
/// such values as binary, and the JSON fallback writes them as an array of byte values (as
/// `journalctl -o json` does), so nothing is lost on either sink.
package struct JournalField: Hashable, Sendable {
    package let name: String
    package let value: [UInt8]

    /// A field; `name` must be a valid journal field name (see ``isValidName(_:)``).
    package init(_ name: String, bytes: [UInt8]) {
        precondition(Self.isValidName(name), "invalid journal field name \(name)")
        self.name = name
        self.value = bytes
    }

    package init(_ name: String, _ value: String) {
        self.init(name, bytes: Array(value.utf8))
    }

    package init(_ name: String, _ value: Int) {
        self.init(name, String(value))
    }

    /// Journal field names: 1–64 characters of `A–Z`, `0–9`, `_`, not starting with `_` (reserved
    /// for trusted fields) or a digit.
    package static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), let first = bytes.first, (0x41...0x5A).contains(first) else { return false }
        return bytes.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }
}
