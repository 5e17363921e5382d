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

    /// Packs up to 8 lowercased bytes into one word, first byte lowest.
    @inline(__always)
    static func packLowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var key: UInt64 = 0
        for (i, byte) in bytes.enumerated() { key |= UInt64(lower(byte)) << UInt64(8 * i) }
        return key
    }

    /// Every accepted month spelling of at most 8 letters, packed (little-endian, lowercase), with
    /// its month; `september` (9 letters) is checked separately. Literal constants rather than a
    /// table built at first use: no lazy global on the hot path. `CleaningTests` checks this
    /// against `Month(parsing:)` over every spelling.
    @inline(__always)
    private static func month(packed key: UInt64) -> Month? {
        switch key {
        case 0x6e616a, 0x797261756e616a: .jan  // jan, january
        case 0x626566, 0x7972617572626566: .feb  // feb, february
        case 0x72616d, 0x686372616d: .mar  // mar, march
        case 0x727061, 0x6c69727061: .apr  // apr, april
        case 0x79616d: .may  // may
        case 0x6e756a, 0x656e756a: .jun  // jun, june
        case 0x6c756a, 0x796c756a: .jul  // jul, july
        case 0x677561, 0x747375677561: .aug  // aug, august
        case 0x706573, 0x74706573: .sep  // sep, sept
        case 0x74636f, 0x7265626f74636f: .oct  // oct, october
        case 0x766f6e, 0x7265626d65766f6e: .nov  // nov, november
        case 0x636564, 0x7265626d65636564: .dec  // dec, december
        default: nil
        }
    }

    static func month(_ bytes: UnsafeBufferPointer<UInt8>) -> Month? {
        let n = bytes.count
        if n == 9 { return equalsLowercased(bytes, "september") ? .sep : nil }
        // A trailing NUL would pack like a shorter spelling ("jan\0" as "jan"); no month ends in one.
        guard n >= 3 && n <= 8 && bytes[n - 1] != 0 else { return nil }
        return month(packed: packLowercased(bytes))
    }

    /// Whether `bytes`, lowercased, are exactly `lowercase` (an ASCII literal, so no allocation).
    @inline(__always)
    static func equalsLowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for i in 0..<bytes.count where lower(bytes[i]) != expected[i] { return false }
        return true
    }

    static func visitorType(_ bytes: UnsafeBufferPointer<UInt8>) -> VisitorType? {
        switch bytes.count {
        case 17: equalsLowercased(bytes, "returning_visitor") ? .returning : nil
        case 11: equalsLowercased(bytes, "new_visitor") ? .new : nil
        case 5: equalsLowercased(bytes, "other") ? .other : nil
        default: nil
        }
    }

    /// `TRUE`/`FALSE` in any case, `1`/`0`.
    static func boolean(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch bytes.count {
        case 1:
            if bytes[0] == UInt8(ascii: "1") { return true }
            if bytes[0] == UInt8(ascii: "0") { return false }
            return nil
        case 4:
            return packLowercased(bytes) == 0x65757274 ? true : nil  // "true"
        case 5:
            return packLowercased(bytes) == 0x65736c6166 ? false : nil  // "false"
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
    package init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let month = ASCIIMatching.month(bytes) else { return nil }
        self = month
    }
}

extension VisitorType {
    /// Parses a visitor type from UTF-8 bytes, accepting exactly what `init(parsing:)` accepts.
    package init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let type = ASCIIMatching.visitorType(bytes) else { return nil }
        self = type
    }
}
