import Foundation
import Hummingbird
import ShopperCore
import ShopperStore

/// The endpoints: MLflow's `POST /invocations` (+ `GET /ping`, `/health`), and the Open
/// Inference Protocol's `POST /v2/models/shopperd/infer`, `GET /v2/models/shopperd`,
/// `GET /v2/health/live` and `/v2/health/ready`. Every answer is JSON; every failure is caught
/// here and answered (4xx for what the client sent, 503 without a champion).
///
/// With a bearer token, scoring, metadata and metrics need `Authorization: Bearer TOKEN` (401
/// with `WWW-Authenticate: Bearer` otherwise). The health endpoints stay open: a load balancer,
/// `systemctl`'s readiness scripts or a Kubernetes probe ask them without credentials, and they
/// say only whether the process runs and which version is loaded.
package struct ServeRoutes: Sendable {
    package static let modelName = "shopperd"
    let scorer: Scorer
    let settings: ServeSettings
    let token: BearerToken?
    let metrics: ServeMetrics

    package init(scorer: Scorer, settings: ServeSettings, token: BearerToken? = nil, metrics: ServeMetrics) {
        self.scorer = scorer
        self.settings = settings
        self.token = token
        self.metrics = metrics
    }

    package func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware(metrics: metrics))  // before the routes: it wraps those added after it
        router.post("invocations") { request, _ in await answer(request, guarded: true) { try await invocations(request) } }
        router.post("v2/models/\(Self.modelName)/infer") { request, _ in await answer(request, guarded: true) { try await infer(request) } }
        router.get("v2/models/\(Self.modelName)") { request, _ in
            await answer(request, guarded: true) {
                let versions = scorer.watch.model.map { [String($0.version)] } ?? []
                return try Self.json(.ok, ModelMetadata(versions: versions))
            }
        }
        router.post("v2/feedback") { request, _ in await answer(request, guarded: true) { try await feedback(request) } }
        router.get("v2/health/live") { _, _ in Self.status(.ok, ["live": true]) }
        router.get("v2/health/ready") { _, _ in ready() }
        router.get("v2/models/\(Self.modelName)/ready") { _, _ in ready() }
        router.get("ping") { _, _ in ready() }
        router.get("health") { _, _ in ready() }
        router.get("openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("metrics") { request, _ in
            await answer(request, guarded: true) {
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition(ledger: scorer.ledger))))
            }
        }
        return router
    }

    private func ready() -> Response {
        guard let model = scorer.watch.model else { return Self.status(.serviceUnavailable, ["ready": false]) }
        return (try? Self.json(.ok, Readiness(ready: true, modelVersion: model.version))) ?? Self.status(.ok, ["ready": true])
    }

    private struct Readiness: Encodable {
        var ready: Bool
        var modelVersion: Int
    }

    // MARK: - Scoring

    private func invocations(_ request: Request) async throws -> Response {
        let contentType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let body = try await collect(request)
        let sessions: [Session]
        switch contentType {
        case "application/json":
            // The common request straight into sessions; anything else (or wrong) the full way.
            sessions = try DirectRowsReader.sessions(body, maxRows: settings.maxRows)
                ?? SessionValidator.sessions(try MLflowRequest.rows(try Self.parse(body), maxRows: settings.maxRows))
        case "text/csv":
            sessions = try SessionValidator.sessions(csv: body, maxRows: settings.maxRows)
        default:
            throw ServeFailure.request("Content-Type must be application/json or text/csv", value: contentType, status: 415)
        }
        return try Self.json(.ok, MLflowAnswer(try await scorer.score(sessions, sessionKey: Self.sessionKey(request))))
    }

    private func infer(_ request: Request) async throws -> Response {
        let body = try await collect(request)
        let (id, rows) = try InferenceRequest.rows(try Self.parse(body), maxRows: settings.maxRows)
        let scored = try await scorer.score(try SessionValidator.sessions(rows), sessionKey: Self.sessionKey(request))
        return try Self.json(.ok, InferenceAnswer(scored, id: id))
    }

    /// The client's session key (`X-Session-Key`): an A/B rollout answers every request with the
    /// same key from the same model. Blank is no key.
    static func sessionKey(_ request: Request) -> String? {
        guard let value = request.headers.first(where: { $0.name.canonicalName == "x-session-key" })?.value
            .trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    // MARK: - Feedback

    /// `POST /v2/feedback` `{"outcomes": [{"prediction_id": "…", "outcome": true}, …]}`: joins
    /// outcomes to the running rollout's predictions; answers how many were joined, duplicates
    /// (the first outcome counts), unknown ids and late ones (their rollout has ended).
    private func feedback(_ request: Request) async throws -> Response {
        let body = try await collect(request)
        let reports = try FeedbackRequest.outcomes(try Self.parse(body), maxRows: settings.maxRows)
        guard let ledger = scorer.ledger else {
            throw ServeFailure.request("this server records no feedback", status: 503)
        }
        let counts: OutcomeCounts
        do {
            try ledger.flush(includingInFlight: true)  // predictions just made must be found
            counts = try ledger.writer().joinOutcomes(reports)
        } catch {
            throw ServeFailure.request("the outcomes cannot be recorded now: \(error); send them again later (nothing was counted)", status: 503)
        }
        metrics.feedback(counts)
        return try Self.json(.ok, counts)
    }

    /// The whole body, refused with 413 past `maxBodyBytes` (from Content-Length at once, or while reading).
    private func collect(_ request: Request) async throws(ServeFailure) -> [UInt8] {
        let limit = settings.maxBodyBytes
        let tooLarge = ServeFailure.request("the body is larger than the limit of \(limit) bytes (--max-body-bytes)", status: 413)
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw tooLarge
        }
    }

    private static func parse(_ body: [UInt8]) throws(ServeFailure) -> JSONValue {
        if body.isEmpty { throw .request("the body is empty: send a JSON document") }
        do {
            return try JSONValue.parse(body)
        } catch {
            throw .request("the body is not valid JSON: \(error)", value: String(decoding: body.prefix(60), as: UTF8.self))
        }
    }

    // MARK: - Answers

    private func answer(_ request: Request, guarded: Bool, _ work: () async throws -> Response) async -> Response {
        if guarded, let token, !token.accepts(authorization: request.headers[.authorization]) {
            return Self.unauthorized(offered: request.headers[.authorization] != nil)
        }
        do {
            return try await work()
        } catch let failure as ServeFailure {
            return (try? Self.json(HTTPResponse.Status(code: failure.status), failure.body)) ?? Self.status(.internalServerError, ["ok": false])
        } catch {
            let failure = ServeFailure.request("internal error: \(error)", status: 500)
            return (try? Self.json(.internalServerError, failure.body)) ?? Self.status(.internalServerError, ["ok": false])
        }
    }

    /// 401 with the challenge RFC 6750 asks for (`error="invalid_token"` when a token was sent).
    static func unauthorized(offered: Bool) -> Response {
        let reason = offered ? "the bearer token is not the one this server was given" : "send Authorization: Bearer TOKEN"
        let failure = ServeFailure.request(reason, status: 401)
        var response = (try? json(.unauthorized, failure.body)) ?? Response(status: .unauthorized)
        response.headers[.wwwAuthenticate] = offered ? #"Bearer realm="shopperd", error="invalid_token""# : #"Bearer realm="shopperd""#
        return response
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        // Keys in snake_case (`model_version`, `prediction_id`), as MLflow and KServe spell theirs.
        // The scoring answers are written by hand (`JSONBytes`, the same bytes), the rest encoded.
        let data = try (value as? any JSONBytes)?.jsonBytes ?? Array(JSONPolicy.encode(value, form: .compact, keys: .snakeCase))
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func status(_ status: HTTPResponse.Status, _ value: [String: Bool]) -> Response {
        (try? json(status, value)) ?? Response(status: status)
    }
}
