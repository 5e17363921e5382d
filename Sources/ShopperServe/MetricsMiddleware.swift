import Hummingbird

/// Counts and times every answer for `/metrics`, by route (not by raw path) and status.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServeMetrics
    static let standardMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .delete, .connect, .options, .trace, .patch]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        // A method outside HTTP's standard ones is counted as `other`, so a client's invented
        // methods cannot create series (as random paths cannot: they count under `other`).
        let method = Self.standardMethods.contains(request.method) ? request.method.rawValue : "other"
        do {
            let response = try await next(request, context)
            record(context, method: method, status: response.status.code, since: started)
            return response
        } catch let error as any HTTPResponseError {
            record(context, method: method, status: error.status.code, since: started)
            throw error
        } catch {
            record(context, method: method, status: 500, since: started)
            throw error
        }
    }

    private func record(_ context: Context, method: String, status: Int, since started: ContinuousClock.Instant) {
        // Hummingbird names its not-found responder's path "/NotFound": no route matched.
        let path = context.endpointPath.map { $0.hasPrefix("/") ? $0 : "/" + $0 }
        let endpoint = path == nil || path == "/NotFound" ? "other" : path!
        metrics.request(endpoint: endpoint, method: method, status: status, duration: ContinuousClock.now - started)
    }
}
