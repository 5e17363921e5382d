import Foundation

/// Where and how shopperd mirrors into MLflow. The daemon fills it from its configuration
/// (`--mlflow-uri`, `MLFLOW_TRACKING_URI`, the config file); `shopperd mlflow` from its options.
package struct MLflowSettings: Sendable, Hashable {
    /// The environment variable MLflow's own clients read; shopperd reads it too.
    package static let environmentVariable = "MLFLOW_TRACKING_URI"

    /// The tracking server's base URL (`http://host:port`, optionally with a path prefix).
    package let trackingURI: URL
    /// The experiment that gets one run per trained model.
    package var trainingExperiment: String
    /// The experiment that gets one run per drift-checked batch.
    package var monitoringExperiment: String
    /// The registered model that gets one version per trained model, and the aliases.
    package var registeredModel: String
    /// Longest wait for one API call (connect, send, answer).
    package var requestTimeout: Duration
    /// Longest wait for one artifact upload (a model file is a few MB).
    package var uploadTimeout: Duration
    /// How often the background mirror looks for new entities when not nudged.
    package var pollInterval: Duration
    /// Backoff after a failed pass (server down or erroring): doubles from `retryBase` up to `retryCap`.
    package var retryBase: Duration
    package var retryCap: Duration
    /// What proves shopperd to a server that requires it (`CredentialSources` finds it). Not part of
    /// `target`: changing a password does not change the destination.
    package var credentials: MLflowCredentials?

    package init(
        trackingURI: String, trainingExperiment: String = "shopperd-training",
        monitoringExperiment: String = "shopperd-monitoring", registeredModel: String = "shopperd-purchase-intent",
        requestTimeout: Duration = .seconds(15), uploadTimeout: Duration = .seconds(60),
        pollInterval: Duration = .seconds(30), retryBase: Duration = .seconds(1), retryCap: Duration = .seconds(300),
        credentials: MLflowCredentials? = nil
    ) throws(MLflowError) {
        self.trackingURI = try Self.parse(trackingURI)
        self.trainingExperiment = trainingExperiment
        self.monitoringExperiment = monitoringExperiment
        self.registeredModel = registeredModel
        self.requestTimeout = requestTimeout
        self.uploadTimeout = uploadTimeout
        self.pollInterval = pollInterval
        self.retryBase = retryBase
        self.retryCap = retryCap
        self.credentials = credentials
        try validate()
    }

    /// The destination's identity for progress records: server, experiments and registered
    /// model. Changing any of them makes the mirror send everything to the new destination.
    package var target: String {
        Self.target(uri: trackingURI, training: trainingExperiment, monitoring: monitoringExperiment, model: registeredModel)
    }

    static func target(uri: URL, training: String, monitoring: String, model: String) -> String {
        var components = URLComponents()
        components.queryItems = [
            URLQueryItem(name: "training", value: training), URLQueryItem(name: "monitoring", value: monitoring),
            URLQueryItem(name: "model", value: model),
        ]
        return uri.absoluteString + "?" + (components.percentEncodedQuery ?? "")
    }

    /// Checks the names against what MLflow accepts, so a bad setting fails at start-up rather
    /// than on every write.
    package func validate() throws(MLflowError) {
        for (name, value) in [("training experiment", trainingExperiment), ("monitoring experiment", monitoringExperiment),
                              ("registered model", registeredModel)] {
            if value.trimmingCharacters(in: .whitespaces).isEmpty {
                throw .invalidSetting("the \(name) name is empty")
            }
            // Names are quoted in search filters; MLflow's filter grammar has no escape for quotes.
            if value.contains("'") || value.contains("\"") || value.contains("`") {
                throw .invalidSetting("the \(name) name \"\(value)\" contains a quote; choose a name without quotes")
            }
        }
        if trainingExperiment == monitoringExperiment {
            throw .invalidSetting("the training and monitoring experiments must differ (both are \"\(trainingExperiment)\")")
        }
        for (name, value) in [("request timeout", requestTimeout), ("upload timeout", uploadTimeout),
                              ("poll interval", pollInterval), ("retry base", retryBase), ("retry cap", retryCap)]
        where value <= .zero {
            throw .invalidSetting("the \(name) must be positive")
        }
    }

    /// `http(s)://host[:port][/prefix]`, without a trailing slash.
    static func parse(_ text: String) throws(MLflowError) -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw .invalidTrackingURI(text, reason: "not a URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .invalidTrackingURI(text, reason: "shopperd talks to a tracking server over HTTP: use http://host:port"
                + " (\(scheme): URIs such as file: or databricks: are not supported)")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidTrackingURI(text, reason: "no host") }
        guard components.query == nil, components.fragment == nil else {
            throw .invalidTrackingURI(text, reason: "a tracking URI has no query or fragment")
        }
        var normalised = URLComponents()
        normalised.scheme = scheme
        normalised.host = host.lowercased()
        normalised.port = components.port
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        normalised.path = path
        guard let url = normalised.url else { throw .invalidTrackingURI(text, reason: "not a URL") }
        return url
    }
}
