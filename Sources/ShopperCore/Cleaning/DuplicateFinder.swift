/// Finds exact duplicate rows inside a batch (cleaning rule: flagged, never dropped).
///
/// Two rows are duplicates when all 18 typed values are equal after normalisation (so `Feb` and
/// `feb`, or `1` and `1.0`, are the same). Each duplicate points at the first row it repeats.
///
/// How, and why this way: a hash table over a million rows is 16 MB of random accesses, one cache
/// miss a row, which made flagging a fifth of the reader's time. So rows are first partitioned by
/// the top bits of a 64-bit fingerprint (sequential passes), then each partition, small enough for
/// the L2 cache, gets its own open-addressing table. Partitioning is stable, so within a partition
/// rows come in file order and the first of equal rows is the one others point to. `Session ==`
/// settles every fingerprint match, so a collision can never flag distinct rows.
package enum DuplicateFinder {
    /// Rows per partition aimed at: its table (2 slots a row, 16 bytes a slot) stays near 512 KB.
    static let partitionTarget = 16_384

    /// For each session, the line of the first earlier identical session, or nil.
    package static func duplicateOfLine(sessions: [Session], lines: [Int]) -> [Int?] {
        duplicateOfLine(sessions: sessions, lines: lines, fingerprints: sessions.map(fingerprint))
    }

    /// The same, with `fingerprints[i] == fingerprint(sessions[i])` already computed (the reader
    /// computes them while each row is still in cache, sparing a second pass over the rows).
    static func duplicateOfLine(sessions: [Session], lines: [Int], fingerprints hashes: [UInt64]) -> [Int?] {
        precondition(sessions.count == lines.count && hashes.count == sessions.count, "one line and one fingerprint per session")
        precondition(sessions.count < Int(UInt32.max), "a batch has fewer than 4 billion rows")
        let n = sessions.count
        var result = [Int?](repeating: nil, count: n)
        guard n > 1 else { return result }

        var partitionBits = 0
        while (n >> partitionBits) > partitionTarget && partitionBits < 16 { partitionBits += 1 }
        let partitions = 1 << partitionBits
        @inline(__always) func partition(_ hash: UInt64) -> Int {
            partitionBits == 0 ? 0 : Int(truncatingIfNeeded: hash >> UInt64(64 - partitionBits))
        }

        // Pass 1: how many rows fall in each partition.
        var counts = [Int](repeating: 0, count: partitions + 1)
        for hash in hashes { counts[partition(hash) + 1] += 1 }
        for p in 0..<partitions { counts[p + 1] += counts[p] }

        // Pass 2: scatter (fingerprint, row) pairs into partition order, keeping file order.
        var next = counts
        let entries = [Entry](unsafeUninitializedCapacity: n) { buffer, initialized in
            for i in 0..<n {
                let hash = hashes[i]
                let p = partition(hash)
                buffer[next[p]] = Entry(hash: hash, row: UInt32(i))
                next[p] += 1
            }
            initialized = n
        }

        // Pass 3: one small table per partition.
        var largest = 0
        for p in 0..<partitions { largest = max(largest, counts[p + 1] - counts[p]) }
        var capacity = 16
        while capacity < largest * 2 { capacity <<= 1 }
        var table = [Entry](repeating: Entry(hash: 0, row: UInt32.max), count: capacity)
        sessions.withUnsafeBufferPointer { rows in
            entries.withUnsafeBufferPointer { entries in
                table.withUnsafeMutableBufferPointer { slots in
                    for p in 0..<partitions {
                        let size = counts[p + 1] - counts[p]
                        if size < 2 { continue }
                        var tableSize = 16
                        while tableSize < size * 2 { tableSize <<= 1 }
                        let mask = tableSize - 1
                        for s in 0..<tableSize { slots[s].row = UInt32.max }
                        for e in counts[p]..<counts[p + 1] {
                            let entry = entries[e]
                            var slot = Int(truncatingIfNeeded: entry.hash) & mask
                            while true {
                                let occupant = slots[slot]
                                if occupant.row == UInt32.max {
                                    slots[slot] = entry
                                    break
                                }
                                if occupant.hash == entry.hash && rows[Int(occupant.row)] == rows[Int(entry.row)] {
                                    result[Int(entry.row)] = lines[Int(occupant.row)]
                                    break
                                }
                                slot = (slot + 1) & mask
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    struct Entry {
        var hash: UInt64
        var row: UInt32
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
