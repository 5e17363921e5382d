import Synchronization

/// Prediction ids: a random per-process prefix and a counter, so ids are unique across restarts
/// and processes without coordination (`3f9c2a71d0b4e865-42`).
package final class PredictionIDs: Sendable {
    private let prefix: String
    private let counter = Atomic<UInt64>(0)

    package init() {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        prefix = String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `count` new ids, consecutive.
    package func next(_ count: Int) -> [String] {
        let first = counter.add(UInt64(count), ordering: .relaxed).oldValue
        return (0..<UInt64(count)).map { "\(prefix)-\(first + $0 + 1)" }
    }
}
