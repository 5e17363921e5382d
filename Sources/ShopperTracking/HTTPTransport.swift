import Foundation

/// One HTTP request to the tracking server, relative to its base URL.
package struct HTTPRequest: Sendable, Hashable {
    package enum Method: String, Sendable, Hashable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE"
    }

    package var method: Method
    /// The path below the tracking URI, starting with `/` (already percent-encoded where needed).
    package var path: String
    package var query: [URLQueryItem]
    package var body: Data?
    package var contentType: String?
    package var timeout: Duration

    package init(method: Method, path: String, query: [URLQueryItem] = [], body: Data? = nil, contentType: String? = nil,
                timeout: Duration) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.timeout = timeout
    }

    /// `METHOD /path`: how errors name the call.
    package var endpoint: String { "\(method.rawValue) \(path)" }
}

/// The status and body of an answer.
package struct HTTPResponse: Sendable, Hashable {
    package var status: Int
    package var body: Data

    package init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}

/// Sends requests to the tracking server. `URLSessionTransport` is the real one; tests that need
/// no server give the client an in-memory MLflow instead.
package protocol HTTPTransport: Sendable {
    /// The answer, whatever its status; throws `MLflowError.unreachable` when there is none.
    func send(_ request: HTTPRequest) async throws(MLflowError) -> HTTPResponse
}
