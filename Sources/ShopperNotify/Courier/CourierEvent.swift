import Foundation

/// What the courier did, for the daemon's journal (`notification-sent`, `notification-failed`).
package enum CourierEvent: Sendable, Equatable {
    /// Handed over: `eventIDs` is one event, or all the events a digest carried.
    case sent(channel: String, eventIDs: [Int64], kind: String)
    /// A transient failure: tried again at `retryAt`.
    case retrying(channel: String, eventID: Int64, attempt: Int, error: String, retryAt: Date)
    /// Given up: a permanent failure, or transient ones past the give-up age. `shopperd notify
    /// retry` puts it back in the queue.
    case failed(channel: String, eventID: Int64, attempt: Int, error: String)
    /// The queue could not be read or written (the store is busy or damaged); the pass is tried
    /// again later.
    case storeUnavailable(error: String)
}
