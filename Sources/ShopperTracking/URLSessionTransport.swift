import Foundation
import ShopperIO
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP through Foundation's URLSession (libcurl on Linux). Every request has a deadline: the
/// request's own timeout, enforced by cancelling the request (URLSession's timer, a second later,
/// is a backstop), so a server that accepts the connection and never answers cannot hold the mirror.
package struct URLSessionTransport: HTTPTransport {
    package let baseURL: URL
    /// The `Authorization` header sent with every request (`MLflowCredentials.authorization`).
    private let authorization: String?
    private let session: URLSession
    private let challenges = ChallengeRefusal()

    package init(baseURL: URL, authorization: String? = nil) {
        self.baseURL = baseURL
        self.authorization = authorization
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        // Loopback and LAN servers only: never go through a proxy configured for the outside world.
        configuration.connectionProxyDictionary = [:]
        session = URLSession(configuration: configuration, delegate: challenges, delegateQueue: nil)
    }

    package func send(_ request: HTTPRequest) async throws(MLflowError) -> HTTPResponse {
        let url = try url(for: request)
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method.rawValue
        // URLSession's own timer is only the backstop (swift-corelibs-foundation truncates it to
        // whole seconds, so 0.7 s fires at once); the deadline below is the precise one.
        urlRequest.timeoutInterval = request.timeout.seconds.rounded(.up) + 1
        urlRequest.httpBody = request.body
        if let contentType = request.contentType { urlRequest.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        urlRequest.setValue("application/json", forHTTPHeaderField: "Accept")
        urlRequest.setValue("shopperd", forHTTPHeaderField: "User-Agent")
        if let authorization { urlRequest.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let (session, challenges) = (self.session, self.challenges)
        let prepared = urlRequest
        let outcome = await Deadline.run(after: request.timeout) { await challenges.send(prepared, through: session) }
        switch outcome {
        case nil:
            throw .unreachable(url: baseURL.absoluteString, reason: "no answer to \(request.endpoint) within \(request.timeout.seconds) s")
        case .failed(let error)?:
            throw .unreachable(url: baseURL.absoluteString, reason: Self.reason(error))
        case .challenged(let status)?:
            return HTTPResponse(status: status, body: Data())
        case .answer(let data, let response)?:
            guard let http = response as? HTTPURLResponse else {
                throw .unexpectedResponse(endpoint: request.endpoint, detail: "not an HTTP answer")
            }
            return HTTPResponse(status: http.statusCode, body: data)
        }
    }

    func url(for request: HTTPRequest) throws(MLflowError) -> URL {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else {
            throw .invalidTrackingURI(baseURL.absoluteString, reason: "not a URL")
        }
        components.percentEncodedPath = components.percentEncodedPath + request.path
        if !request.query.isEmpty { components.queryItems = request.query }
        // `+` is a space to the server's form decoder: encode it in values (search filters have none, but names may).
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else {
            throw .unexpectedResponse(endpoint: request.endpoint, detail: "cannot form a URL")
        }
        return url
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? URLError {
            switch error.code {
            case .cannotConnectToHost: return "connection refused"
            case .timedOut: return "timed out"
            case .cannotFindHost, .dnsLookupFailed: return "unknown host"
            case .networkConnectionLost: return "connection lost"
            case .cancelled: return "cancelled"
            default: return "\(error.localizedDescription) (URLError \(error.code.rawValue))"
            }
        }
        return String(describing: error)
    }
}

/// Runs an operation with a deadline: its result, or nil when the deadline passed first or the
/// calling task was cancelled. The caller never waits past the deadline, even for an operation
/// that ignores cancellation (it is cancelled and left to finish on its own).
enum Deadline {
    static func run<T: Sendable>(after limit: Duration, _ operation: @escaping @Sendable () async -> T) async -> T? {
        let race = Race<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                race.start(continuation, limit: limit, operation)
            }
        } onCancel: {
            race.finish(nil)
        }
    }

    /// The first of the operation, the timer and cancellation to finish resumes the caller.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T?, Never>?
            var finished = false
            var tasks: [Task<Void, Never>] = []
        }

        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T?, Never>, limit: Duration, _ operation: @escaping @Sendable () async -> T) {
            let alreadyFinished = state.withLock { state in
                if state.finished { return true }
                state.continuation = continuation
                return false
            }
            if alreadyFinished {
                continuation.resume(returning: nil)
                return
            }
            let work = Task { self.finish(await operation()) }
            let timer = Task {
                try? await Task.sleep(for: limit)
                self.finish(nil)
            }
            let cancelNow = state.withLock { state in
                state.tasks = [work, timer]
                return state.finished
            }
            if cancelNow { work.cancel(); timer.cancel() }
        }

        func finish(_ value: T?) {
            let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<T?, Never>?, [Task<Void, Never>]) in
                if state.finished { return (nil, []) }
                state.finished = true
                defer { state.continuation = nil }
                return (state.continuation, state.tasks)
            }
            for task in tasks { task.cancel() }
            continuation?.resume(returning: value)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
