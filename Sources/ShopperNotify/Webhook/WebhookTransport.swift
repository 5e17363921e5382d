import Foundation
import ShopperIO
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs a payload to a webhook (Slack, Teams, any receiver of JSON) through URLSession
/// (libcurl on Linux), with `Content-Type: application/json`, an `Idempotency-Key` (the same for
/// every attempt of one notification) and a deadline.
///
/// 2xx is delivered. 408, 425, 429, 5xx, a connection failure and the deadline are transient;
/// any other status is permanent (a 404 or 410 is a deleted webhook, a 400 a payload the receiver
/// refuses: trying again will not help). Messages name the webhook by `name`, the status and
/// the first 200 bytes of the answer, never the URL: it is the secret that lets anyone post, and
/// it is removed from the quoted answer too.
package struct WebhookTransport: Sendable {
    /// The webhook's name in settings (`notify.webhooks.NAME`), used in every message.
    package var name: String
    package var timeout: Duration
    /// How much of the receiver's answer a failure message quotes.
    package static let answerLimit = 200
    private let session: URLSession
    private let challenges = ChallengeRefusal()

    package init(name: String = "webhook", timeout: Duration = .seconds(10)) {
        self.name = name
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: challenges, delegateQueue: nil)
    }

    package func post(_ body: Data, to url: URL, idempotencyKey: String) async throws(DeliveryError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            throw .permanent("webhook \(name): the URL is not an http(s) URL with a host; check notify.webhooks.\(name).url")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        // URLSession's own timer is only the backstop (swift-corelibs-foundation truncates it to
        // whole seconds); the deadline below is the precise one.
        let (seconds, attoseconds) = timeout.components
        let limit = Double(seconds) + Double(attoseconds) * 1e-18
        request.timeoutInterval = limit.rounded(.up) + 1
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(Self.headerSafe(idempotencyKey), forHTTPHeaderField: "Idempotency-Key")
        request.setValue("shopperd", forHTTPHeaderField: "User-Agent")
        let (session, challenges, prepared) = (self.session, self.challenges, request)
        let outcome = await withTaskGroup(of: ChallengeRefusal.Outcome?.self) { group in
            group.addTask { await challenges.send(prepared, through: session) }
            group.addTask {
                try? await Task.sleep(for: .seconds(limit))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case nil:
            throw .transient("webhook \(name): no answer within \((limit * 1000).rounded() / 1000) s")
        case .failed(let error)?:
            throw Self.classify(error, name: name)
        case .challenged(let status)?:
            throw .permanent("webhook \(name): HTTP \(status): the receiver asks for authentication; check the webhook's URL")
        case .answer(let data, let response)?:
            guard let http = response as? HTTPURLResponse else { throw .transient("webhook \(name): not an HTTP answer") }
            if let error = Self.classify(status: http.statusCode, answer: data, name: name, url: url) { throw error }
        }
    }

    /// nil for 2xx.
    package static func classify(status: Int, answer: Data, name: String, url: URL) -> DeliveryError? {
        if (200..<300).contains(status) { return nil }
        let text = "webhook \(name): HTTP \(status)" + quoted(answer, hiding: url)
        return [408, 425, 429].contains(status) || (500..<600).contains(status) ? .transient(text) : .permanent(text)
    }

    static func classify(_ error: any Error, name: String) -> DeliveryError {
        guard let error = error as? URLError else { return .transient("webhook \(name): \(type(of: error))") }
        switch error.code {
        case .cannotConnectToHost: return .transient("webhook \(name): connection refused")
        case .timedOut: return .transient("webhook \(name): timed out")
        case .cannotFindHost, .dnsLookupFailed: return .transient("webhook \(name): unknown host (DNS)")
        case .networkConnectionLost: return .transient("webhook \(name): connection lost")
        case .notConnectedToInternet: return .transient("webhook \(name): no network")
        case .badURL, .unsupportedURL:
            return .permanent("webhook \(name): the URL is not usable; check notify.webhooks.\(name).url")
        case .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return .permanent("webhook \(name): the server's TLS certificate is not trusted")
        default:
            return .transient("webhook \(name): network error (URLError \(error.code.rawValue))")
        }
    }

    /// `: "first 200 bytes of the answer"`, on one line, with the webhook's URL (and its path and
    /// query, which hold the secret) replaced by `<url>`.
    static func quoted(_ answer: Data, hiding url: URL) -> String {
        var text = String(decoding: answer.prefix(answerLimit), as: UTF8.self)
        let secrets = [url.absoluteString, url.path, url.query ?? ""].filter { $0.count >= 8 }
        for secret in secrets { text = text.replacingOccurrences(of: secret, with: "<url>") }
        let line = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
            .split(separator: " ").joined(separator: " ")
        return line.isEmpty ? "" : ": \"\(line)\""
    }

    /// Printable ASCII only: the key goes into a header.
    static func headerSafe(_ key: String) -> String {
        String(key.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F }.map(Character.init))
    }
}
