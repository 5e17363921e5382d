#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The horizontal axis of a numeric feature's charts: linear, or `log(1 + x)` for the
/// heavy-tailed non-negative features (durations, page values, page counts), where a linear
/// axis would put nearly every session into the first bin.
struct ValueAxis {
    enum Scale { case linear, log1p }

    let scale: Scale
    /// Bounds in transformed units.
    let lower: Double
    let upper: Double

    /// Chooses the scale from the reference (sorted) and spans both samples.
    init(sortedReference reference: [Double], current: [Double]) {
        let low = min(reference.first ?? 0, current.min() ?? 0)
        let high = max(reference.last ?? 0, current.max() ?? 0)
        let q90 = reference.isEmpty ? 0 : reference[min(reference.count - 1, Int(Double(reference.count) * 0.9))]
        let skewed = low >= 0 && high >= 20 && (q90 == 0 || high / q90 > 4)
        scale = skewed ? .log1p : .linear
        var lower = skewed ? log1p(low) : low
        var upper = skewed ? log1p(high) : high
        if upper <= lower {
            lower -= 0.5
            upper += 0.5
        }
        self.lower = lower
        self.upper = upper
    }

    private init(scale: Scale, lower: Double, upper: Double) {
        self.scale = scale
        self.lower = lower
        self.upper = upper
    }

    /// The same axis widened by `fraction` of its span on each side (room for bars centred on
    /// the extreme values).
    func padded(by fraction: Double) -> ValueAxis {
        let margin = (upper - lower) * fraction
        return ValueAxis(scale: scale, lower: lower - margin, upper: upper + margin)
    }

    func transform(_ value: Double) -> Double {
        scale == .log1p ? log1p(max(value, 0)) : value
    }

    func inverse(_ t: Double) -> Double {
        scale == .log1p ? expm1(t) : t
    }

    /// Position in [0, 1] along the axis.
    func fraction(_ value: Double) -> Double {
        (transform(value) - lower) / (upper - lower)
    }

    /// Tick values (original units) inside the axis.
    func ticks() -> [Double] {
        let low = inverse(lower), high = inverse(upper)
        if scale == .log1p {
            var ticks = [Double]()
            var value = 0.0
            while value <= high {
                if value >= low { ticks.append(value) }
                value = value == 0 ? 1 : value * 10
            }
            return ticks
        }
        let step = Self.niceStep((high - low) / 5)
        var ticks = [Double]()
        var value = (low / step).rounded(.up) * step
        while value <= high + step * 1e-9 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for multiple in [1.0, 2, 5, 10] where multiple * power >= raw { return multiple * power }
        return 10 * power
    }

    /// Proportions of `sorted` values in `count` equal bins of the transformed axis.
    func histogram(_ values: [Double], bins count: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: count)
        guard !values.isEmpty else { return counts }
        let width = (upper - lower) / Double(count)
        for value in values {
            let bin = Int(((transform(value) - lower) / width).rounded(.down))
            counts[min(max(bin, 0), count - 1)] += 1
        }
        return counts.map { $0 / Double(values.count) }
    }
}
