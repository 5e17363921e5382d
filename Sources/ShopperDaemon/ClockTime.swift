#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A local time of day to the minute, as operators read it in `STATUS=` ("last drift 10:42").
package struct ClockTime: Equatable, Sendable, CustomStringConvertible {
    package let hour: Int
    package let minute: Int

    package init(hour: Int, minute: Int) {
        precondition((0..<24).contains(hour) && (0..<60).contains(minute), "not a time of day: \(hour):\(minute)")
        self.hour = hour
        self.minute = minute
    }

    /// The current local time (the system time zone, as `systemctl status` shows times).
    package static func now() -> ClockTime {
        var seconds = time(nil)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return ClockTime(hour: Int(parts.tm_hour), minute: Int(parts.tm_min))
    }

    package var description: String {
        "\(WallClock.pad(Int32(hour), 2)):\(WallClock.pad(Int32(minute), 2))"
    }
}
