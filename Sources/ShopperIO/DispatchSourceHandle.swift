import Dispatch

/// Lets a `DispatchSource` be shared between threads under Swift 6's checking.
///
/// libdispatch documents sources as thread-safe (`cancel()`, `activate()` and the handlers may
/// be used from any thread), but swift-corelibs-libdispatch on Linux does not mark the source
/// protocols `Sendable`. This wrapper states that fact in one place instead of scattering
/// `nonisolated(unsafe)`; it exposes only the thread-safe operations.
package struct DispatchSourceHandle: @unchecked Sendable {
    private let source: any DispatchSourceProtocol

    package init(_ source: any DispatchSourceProtocol) {
        self.source = source
    }

    package func activate() { source.activate() }
    package func cancel() { source.cancel() }
}
