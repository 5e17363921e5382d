/// Which model answers a row in an A/B rollout: the challenger for a `share` of keys, the same
/// answer for the same key for the whole rollout (sticky per session: a visitor does not flip
/// between models), independent between rollouts (the rollout id salts the hash).
///
/// The key is the client's session key when it sends one, else the prediction id. The hash is
/// FNV-1a (64 bit) of `"<rollout id>:<key>"`, finished with a SplitMix64 round so that keys
/// differing only in their last characters spread evenly; its top 53 bits make a uniform number
/// in [0, 1), compared with the share.
package enum RolloutAssignment {
    package static func challengerAnswers(key: String, rolloutID: Int, share: Double) -> Bool {
        guard share > 0 else { return false }
        guard share < 1 else { return true }
        return unit(key: key, rolloutID: rolloutID) < share
    }

    /// The key's uniform number in [0, 1).
    package static func unit(key: String, rolloutID: Int) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(rolloutID):".utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash ^= hash >> 30
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash = hash &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Double(hash >> 11) / Double(UInt64(1) << 53)
    }
}
