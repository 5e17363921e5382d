/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator used only to expand one 64-bit seed
/// into well-mixed state for `Xoshiro256`.
///
/// We carry our own generators instead of `SystemRandomNumberGenerator` or the standard library's
/// `random(in:using:)` because a model must be reproducible from its seed forever: the algorithm
/// behind every draw is fixed here, not in a toolchain that may change it.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman, Vigna 2018): the generator every random draw of training uses.
///
/// `init(seed:stream:)` derives an independent generator per (seed, stream) pair, so tree `t` of a
/// forest seeded `s` always sees the same numbers, whichever task or thread builds it. That is what
/// makes a forest identical whatever the number of cores.
package struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    package init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// A generator from raw state (tests compare against the reference implementation's outputs).
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// A generator for stream `stream` of seed `seed`: streams of one seed are unrelated sequences.
    package init(seed: UInt64, stream: UInt64) {
        var outer = SplitMix64(seed: seed)
        let base = outer.next()
        var inner = SplitMix64(seed: stream &* 0xD1B5_4A32_D192_ED03)
        self.init(seed: base ^ inner.next())
    }

    package mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject, unbiased). `bound` > 0.
    package mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(_:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    package mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Shuffles `array` in place (Fisher–Yates) with this generator's draws.
    package mutating func shuffle<T>(_ array: inout [T]) {
        var i = array.count
        while i > 1 {
            let j = below(i)
            i -= 1
            array.swapAt(i, j)
        }
    }
}
