/// An `AsyncStream` that ends as soon as a ``StopRequest`` is made, even with elements buffered.
///
/// The run loop iterates the inbox with `for await event in context.untilStopped(watcher.events)`:
/// it blocks while idle, yet returns at once on `SIGTERM`; and if 500 arrivals are queued when
/// the signal comes, it does not start the 499 others (they stay in the inbox for the next start).
/// Iterating it consumes the base stream; end it and the base stream ends too.
package struct StoppableStream<Element: Sendable>: AsyncSequence, Sendable {
    enum Item: Sendable {
        case element(Element)
        case stop
    }

    private let items: AsyncStream<Item>
    private let stop: StopRequest

    init(_ base: AsyncStream<Element>, stop: StopRequest) {
        let (items, continuation) = AsyncStream<Item>.makeStream(bufferingPolicy: .unbounded)
        let forwarder = Task {
            for await element in base { continuation.yield(.element(element)) }
            continuation.finish()
        }
        let token = stop.observe { continuation.yield(.stop) }
        continuation.onTermination = { _ in
            forwarder.cancel()
            stop.removeObserver(token)
        }
        self.items = items
        self.stop = stop
    }

    package func makeAsyncIterator() -> Iterator {
        Iterator(inner: items.makeAsyncIterator(), stop: stop)
    }

    package struct Iterator: AsyncIteratorProtocol {
        var inner: AsyncStream<Item>.Iterator
        let stop: StopRequest

        package mutating func next() async -> Element? {
            guard !stop.isRequested else { return nil }
            guard case let .element(element)? = await inner.next(), !stop.isRequested else { return nil }
            return element
        }
    }
}
