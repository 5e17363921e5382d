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
    package func next(_ count: Int) -> Block {
        let first = counter.add(UInt64(count), ordering: .relaxed).oldValue
        return Block(prefix: prefix, first: first + 1, count: count)
    }

    /// Consecutive ids, made as text only when asked: a 1,000-row answer writes them straight
    /// into its bytes, and only a rollout's ledger keeps them as strings.
    package struct Block: RandomAccessCollection, Sendable {
        let prefix: String
        /// The counter value of the first id.
        let first: UInt64
        package let count: Int

        package var startIndex: Int { 0 }
        package var endIndex: Int { count }

        package subscript(position: Int) -> String {
            var text: [UInt8] = []
            appendText(position, to: &text)
            return String(decoding: text, as: UTF8.self)
        }

        /// `self[position]` as a JSON string: hex digits, `-` and decimal digits need no escape.
        package func appendJSON(_ position: Int, to out: inout [UInt8]) {
            out.append(UInt8(ascii: "\""))
            appendText(position, to: &out)
            out.append(UInt8(ascii: "\""))
        }

        /// The one place an id is spelled: `PREFIX-NUMBER`.
        private func appendText(_ position: Int, to out: inout [UInt8]) {
            out.append(contentsOf: prefix.utf8)
            out.append(UInt8(ascii: "-"))
            SessionValidator.appendDecimal(Int(first + UInt64(position)), to: &out)
        }
    }
}
