/// Finds exact duplicate rows inside a batch (cleaning rule: flagged, never dropped).
///
/// Two rows are duplicates when all 18 typed values are equal after normalisation (so `Feb` and
/// `feb`, or `1` and `1.0`, are the same). Each duplicate points at the first row it repeats.
/// An open-addressing table keyed by a cheap 64-bit mix of the values keeps this to a few tens of
/// nanoseconds a row; `Session ==` settles every hash match, so collisions cannot cause false flags.
public enum DuplicateFinder {
    /// For each session, the line of the first earlier identical session, or nil.
    public static func duplicateOfLine(sessions: [Session], lines: [Int]) -> [Int?] {
        precondition(sessions.count == lines.count, "one line per session")
        var capacity = 16
        while capacity < sessions.count * 2 { capacity <<= 1 }
        let mask = capacity - 1
        var table = [Int32](repeating: -1, count: capacity)
        var result = [Int?](repeating: nil, count: sessions.count)
        sessions.withUnsafeBufferPointer { rows in
            table.withUnsafeMutableBufferPointer { slots in
                for index in 0..<rows.count {
                    var slot = Int(truncatingIfNeeded: fingerprint(rows[index])) & mask
                    while true {
                        let occupant = slots[slot]
                        if occupant < 0 {
                            slots[slot] = Int32(index)
                            break
                        }
                        if rows[Int(occupant)] == rows[index] {
                            result[index] = lines[Int(occupant)]
                            break
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
        return result
    }

    /// A 64-bit mix of every field; equal sessions have equal fingerprints (zero has one bit pattern).
    static func fingerprint(_ s: Session) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15
        @inline(__always) func mix(_ value: UInt64) {
            h = (h ^ value) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
        }
        @inline(__always) func bits(_ value: Double) -> UInt64 { value == 0 ? 0 : value.bitPattern }
        mix(UInt64(bitPattern: Int64(s.administrative)))
        mix(bits(s.administrativeDuration))
        mix(UInt64(bitPattern: Int64(s.informational)))
        mix(bits(s.informationalDuration))
        mix(UInt64(bitPattern: Int64(s.productRelated)))
        mix(bits(s.productRelatedDuration))
        mix(bits(s.bounceRates))
        mix(bits(s.exitRates))
        mix(bits(s.pageValues))
        mix(bits(s.specialDay))
        mix(UInt64(s.month.rawValue) | UInt64(s.visitorType.code) << 8 | (s.weekend ? 1 << 16 : 0)
            | UInt64(s.revenue.map { $0 ? 2 : 1 } ?? 0) << 20)
        mix(UInt64(bitPattern: Int64(s.operatingSystems)) &* 31 &+ UInt64(bitPattern: Int64(s.browser)))
        mix(UInt64(bitPattern: Int64(s.region)) &* 31 &+ UInt64(bitPattern: Int64(s.trafficType)))
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return h
    }
}
