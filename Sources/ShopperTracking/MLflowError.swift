import ShopperStore

/// Why mirroring into MLflow failed, with what to do about it.
package enum MLflowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The tracking URI is not an http(s) URL.
    case invalidTrackingURI(String, reason: String)
    /// An experiment or model name, or a duration, that cannot work.
    case invalidSetting(String)
    /// No answer: connection refused, DNS, timeout.
    case unreachable(url: String, reason: String)
    /// The server answered with an HTTP error (`code` is MLflow's `error_code` when it sent one).
    case server(endpoint: String, status: Int, code: String?, message: String)
    /// The server answered 401 or 403: it wants credentials, or refused the ones sent. `check`
    /// says where they came from (nil: none were sent). Server-wide: everything stays pending.
    case unauthorized(url: String, status: Int, check: String?)
    /// The server answered 2xx with something that is not what the API promises.
    case unexpectedResponse(endpoint: String, detail: String)
    /// The run's artifact URI is not served by the tracking server's artifact proxy.
    case artifactsNotProxied(artifactURI: String)
    /// The store could not be read or written.
    case store(StoreError)
    /// A stored entity cannot be read (a corrupt model file, an unreadable drift report).
    case unreadableEntity(String)

    /// True when the server as a whole is unavailable (unreachable, 5xx, throttled, or not an
    /// MLflow server: a 404 without MLflow's error body), or refuses shopperd's credentials: the pass stops and is retried with
    /// backoff. Other errors concern one entity; the pass goes on without it.
    package var isServerUnavailable: Bool {
        switch self {
        case .unreachable, .unauthorized: true
        case .server(_, 404, nil, _): true
        case .server(_, let status, _, _): status >= 500 || status == 429 || status == 408
        default: false
        }
    }

    package var description: String {
        switch self {
        case .invalidTrackingURI(let uri, let reason):
            "invalid MLflow tracking URI \"\(uri)\": \(reason)"
        case .invalidSetting(let message):
            "invalid MLflow setting: \(message)"
        case .unreachable(let url, let reason):
            "MLflow server unreachable at \(url): \(reason). Check that it runs (`curl \(url)/health`) and the URI is right; "
                + "shopperd keeps everything in its store and retries."
        case .server(let endpoint, let status, let code, let message):
            "MLflow answered \(status)\(code.map { " \($0)" } ?? "") to \(endpoint): \(message)"
        case .unauthorized(let url, let status, let check?):
            "the MLflow server at \(url) refused shopperd's credentials (HTTP \(status)): check \(check) "
                + "(and, for 403, the user's permissions in MLflow); shopperd keeps everything in its store and retries."
        case .unauthorized(let url, let status, nil):
            "the MLflow server at \(url) requires credentials (HTTP \(status)): give shopperd the systemd credential "
                + "mlflow-token, or mlflow-username and mlflow-password (or MLFLOW_TRACKING_TOKEN, or "
                + "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD); shopperd keeps everything in its store and retries."
        case .unexpectedResponse(let endpoint, let detail):
            "unexpected answer from MLflow to \(endpoint): \(detail). Is the URI an MLflow tracking server?"
        case .artifactsNotProxied(let uri):
            "the run's artifact location \(uri) is not served by the tracking server: start `mlflow server` with "
                + "--serve-artifacts (and no --default-artifact-root), or give shopperd's experiments an mlflow-artifacts: location"
        case .store(let error):
            error.description
        case .unreadableEntity(let message):
            "cannot read what is to be mirrored: \(message)"
        }
    }
}
