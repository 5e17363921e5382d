import Foundation

/// One HTTP request to the tracking server, relative to its base URL.
public struct HTTPRequest: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
    }

    public var method: Method
    /// The path below the tracking URI, starting with `/` (already percent-encoded where needed).
    public var path: String
    public var query: [URLQueryItem]
    public var body: Data?
    public var contentType: String?
    public var timeout: Duration

    public init(method: Method, path: String, query: [URLQueryItem] = [], body: Data? = nil, contentType: String? = nil,
                timeout: Duration) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.timeout = timeout
    }

    /// `METHOD /path`: how errors name the call.
    public var endpoint: String { "\(method.rawValue) \(path)" }
}

/// The status and body of an answer.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}

/// Sends requests to the tracking server. `URLSessionTransport` is the real one; tests that need
/// no server give the client an in-memory MLflow instead.
public protocol HTTPTransport: Sendable {
    /// The answer, whatever its status; throws `MLflowError.unreachable` when there is none.
    func send(_ request: HTTPRequest) async throws(MLflowError) -> HTTPResponse
}
