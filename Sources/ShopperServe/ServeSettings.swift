/// What `shopperd serve` listens on and how much one request may ask.
package struct ServeSettings: Sendable, Equatable {
    /// The address to bind: loopback unless an operator says otherwise.
    package var host: String
    /// The TCP port; 0 asks the kernel for a free one (the bound port is printed).
    package var port: Int
    /// Bodies larger than this are refused with 413 before they are parsed.
    package var maxBodyBytes: Int
    /// Requests with more rows than this are refused with 413.
    package var maxRows: Int
    /// How often the store's champion alias is read.
    package var pollInterval: Duration
    /// A connection idle this long is closed, so a client that stops sending cannot hold it.
    package var idleTimeoutSeconds: Int64
    /// On SIGTERM, how long requests in flight may take before their connections are cut.
    package var shutdownGrace: Duration

    package static let defaultListen = "127.0.0.1:8080"
    package static let defaultMaxBodyBytes = 8 * 1024 * 1024
    package static let defaultMaxRows = 10_000

    package init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = defaultMaxBodyBytes,
        maxRows: Int = defaultMaxRows, pollInterval: Duration = .milliseconds(250), idleTimeoutSeconds: Int64 = 30,
        shutdownGrace: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxRows = maxRows
        self.pollInterval = pollInterval
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.shutdownGrace = shutdownGrace
    }

    /// Reads `HOST:PORT` (`[::1]:8080` for IPv6).
    package static func listenAddress(_ text: String) throws(ServeSettingsError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":") else { throw .badListen(text) }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw .badListen(text)
        }
        return (host, port)
    }
}

/// A `shopperd serve` option that cannot be used.
package enum ServeSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    case badListen(String)
    case notPositive(option: String, value: Int)

    package var description: String {
        switch self {
        case .badListen(let text): "--listen \(text): expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 (port 0-65535)"
        case .notPositive(let option, let value): "\(option) \(value): must be at least 1"
        }
    }
}
