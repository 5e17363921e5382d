/// Allocation-free, case-insensitive recognition of the text values of the schema from raw bytes.
///
/// These mirror `Month(parsing:)`, `VisitorType(parsing:)` and the boolean spellings exactly (the
/// tests check the equivalence over every spelling); they exist because the String versions
/// allocate, and the reader calls them for every row.
enum ASCIIMatching {
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Packs up to 8 lowercased bytes into one word; the reader has already refused NUL bytes, so
    /// the packing is one-to-one.
    @inline(__always)
    static func packLowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var key: UInt64 = 0
        for (i, byte) in bytes.enumerated() { key |= UInt64(lower(byte)) << UInt64(8 * i) }
        return key
    }

    static func pack(_ text: String) -> UInt64 {
        var key: UInt64 = 0
        for (i, byte) in text.lowercased().utf8.enumerated() { key |= UInt64(byte) << UInt64(8 * i) }
        return key
    }

    /// Every accepted month spelling of at most 8 letters, packed, with its month.
    private static let monthKeys: [(UInt64, Month)] = {
        var keys: [(UInt64, Month)] = []
        for month in Month.allCases {
            keys.append((pack(Month.shortNames[month.rawValue - 1]), month))
            let full = Month.fullNames[month.rawValue - 1]
            if full.utf8.count <= 8 { keys.append((pack(full), month)) }
        }
        keys.append((pack("sept"), .sep))
        return keys
    }()
    private static let september = Array("september".utf8)

    static func month(_ bytes: UnsafeBufferPointer<UInt8>) -> Month? {
        let n = bytes.count
        if n == 9 {
            for i in 0..<9 where lower(bytes[i]) != september[i] { return nil }
            return .sep
        }
        guard n >= 3 && n <= 8 else { return nil }
        let key = packLowercased(bytes)
        for (candidate, month) in monthKeys where candidate == key { return month }
        return nil
    }

    private static let visitorSpellings: [([UInt8], VisitorType)] = VisitorType.allCases.map {
        (Array($0.rawValue.lowercased().utf8), $0)
    }

    static func visitorType(_ bytes: UnsafeBufferPointer<UInt8>) -> VisitorType? {
        outer: for (spelling, type) in visitorSpellings where spelling.count == bytes.count {
            for i in 0..<bytes.count where lower(bytes[i]) != spelling[i] { continue outer }
            return type
        }
        return nil
    }

    private static let trueKey = pack("true")
    private static let falseKey = pack("false")

    /// `TRUE`/`FALSE` in any case, `1`/`0`.
    static func boolean(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch bytes.count {
        case 1:
            if bytes[0] == UInt8(ascii: "1") { return true }
            if bytes[0] == UInt8(ascii: "0") { return false }
            return nil
        case 4:
            return packLowercased(bytes) == trueKey ? true : nil
        case 5:
            return packLowercased(bytes) == falseKey ? false : nil
        default:
            return nil
        }
    }

    /// Whether the bytes are valid UTF-8; checks 8 ASCII bytes at a time first.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < n && base[i] < 0x80 { i += 1 }
        if i == n { return true }
        return String(validating: UnsafeBufferPointer(rebasing: bytes[i...]), as: UTF8.self) != nil
    }
}

extension Month {
    /// Parses a month from UTF-8 bytes, accepting exactly what `init(parsing:)` accepts.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let month = ASCIIMatching.month(bytes) else { return nil }
        self = month
    }
}

extension VisitorType {
    /// Parses a visitor type from UTF-8 bytes, accepting exactly what `init(parsing:)` accepts.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let type = ASCIIMatching.visitorType(bytes) else { return nil }
        self = type
    }
}
