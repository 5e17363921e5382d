import Foundation
import Prometheus
import ShopperCore
import ShopperML
import ShopperStore
import Synchronization

/// `GET /metrics`: Prometheus text exposition (swift-prometheus's registry), names prefixed
/// `shopperd_`, durations in seconds, counters ending in `_total`.
///
/// What this process measures: requests and their latency by endpoint and status, predictions by
/// model version, the champion's version and how long its model took to load. What the daemon
/// decides — batches by decision, drift alarms — is not this process's to count: it is read from
/// the store's jobs table at scrape time (one grouped query), so the numbers are the daemon's own,
/// survive restarts of either process, and are the same whichever `shopperd serve` is scraped.
package final class ServeMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let store: ShopperStore?
    private let championVersion: Gauge
    private let modelLoadSeconds: Gauge
    /// The series a request touches, made once per label set: the registry's `make…` builds the
    /// name and looks it up under its lock on every call, a tenth of a one-row request's cost.
    private let requestSeries = Mutex<[RequestLabels: (Counter, DurationHistogram)]>([:])
    private let predictionSeries = Mutex<[Int: Counter]>([:])

    private struct RequestLabels: Hashable {
        var endpoint: String
        var method: String
        var status: Int
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .microseconds(2_500_000), .seconds(5),
    ]

    package init(store: ShopperStore?) {
        self.store = store
        championVersion = registry.makeGauge(descriptor: Self.name(
            "champion_version", unit: "", help: "Registry version of the champion being served (0: none yet)."))
        modelLoadSeconds = registry.makeGauge(descriptor: Self.name(
            "model_load", unit: "seconds", help: "How long the last champion took to read from the store and decode."))
    }

    /// One answered request. `endpoint` is the route's path (`other` for a path no route has), so
    /// a scanner's random paths cannot create series.
    package func request(endpoint: String, method: String, status: Int, duration: Duration) {
        let key = RequestLabels(endpoint: endpoint, method: method, status: status)
        let (counter, histogram) = requestSeries.withLock { series in
            if let known = series[key] { return known }
            let labels = [("endpoint", endpoint), ("method", method), ("status", String(status))]
            let made = (
                registry.makeCounter(descriptor: Self.name("http_requests", unit: "total", help: "HTTP requests answered."), labels: labels),
                registry.makeDurationHistogram(
                    descriptor: Self.name("http_request_duration", unit: "seconds", help: "Time from the request's head to its answer."),
                    labels: labels, buckets: Self.latencyBuckets)
            )
            series[key] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    /// Rows scored by one model version.
    package func predictions(version: Int, count: Int) {
        let counter = predictionSeries.withLock { series in
            if let known = series[version] { return known }
            let made = registry.makeCounter(
                descriptor: Self.name("predictions", unit: "total", help: "Rows scored, by the model version that scored them."),
                labels: [("model_version", String(version))])
            series[version] = made
            return made
        }
        counter.increment(by: Int64(count))
    }

    /// Rows a rollout's challenger scored beside the champion (answered or not).
    package func shadowPredictions(version: Int, count: Int) {
        registry.makeCounter(
            descriptor: Self.name("rollout_challenger_predictions", unit: "total",
                                  help: "Rows a rollout's challenger scored beside the champion and recorded, by its version."),
            labels: [("model_version", String(version))]
        ).increment(by: Int64(count))
    }

    /// Outcomes received by `POST /v2/feedback`, by what became of them.
    package func feedback(_ counts: OutcomeCounts) {
        for (result, count) in [("joined", counts.joined), ("duplicate", counts.duplicate), ("unknown", counts.unknown), ("late", counts.late)]
        where count > 0 {
            registry.makeCounter(
                descriptor: Self.name("feedback_outcomes", unit: "total", help: "Outcomes received over HTTP, by what became of them."),
                labels: [("result", result)]
            ).increment(by: Int64(count))
        }
    }

    /// A champion was loaded (at start, or after a promotion or rollback); nil: there is none.
    package func championLoaded(version: Int?, duration: Duration?) {
        championVersion.set(Double(version ?? 0))
        if let duration { modelLoadSeconds.set(Self.seconds(duration)) }
    }

    /// The exposition document (`text/plain; version=0.0.4`).
    /// `ledger`: the live rollout ledger's counts, so rows it had to drop (a full buffer, a store
    /// it cannot write) show here, not only on stderr.
    package func exposition(ledger: LiveLedger? = nil) -> [UInt8] {
        var text = registry.emitToBuffer()
        if let counts = ledger?.counts {
            text += Array("""
                # HELP shopperd_rollout_ledger_rows_total Live rollout predictions by what became of them: written to the store, or dropped (buffer full, store not writable).
                # TYPE shopperd_rollout_ledger_rows_total counter
                shopperd_rollout_ledger_rows_total{result="written"} \(counts.written)
                shopperd_rollout_ledger_rows_total{result="dropped"} \(counts.dropped)
                # HELP shopperd_rollout_ledger_pending_rows Live rollout predictions waiting to be scored by the other model and written.
                # TYPE shopperd_rollout_ledger_pending_rows gauge
                shopperd_rollout_ledger_pending_rows \(counts.pending)

                """.utf8)
        }
        guard let store else { return text }
        // Read at scrape time; a store that cannot be read now leaves these series out of this
        // scrape rather than failing it.
        if let counts = try? store.jobCountsByDecision() {
            text += Array("""
                # HELP shopperd_batches_total Batches the daemon finished, by decision (from the store's jobs table).
                # TYPE shopperd_batches_total counter

                """.utf8)
            for (decision, count) in counts.sorted(by: { $0.key < $1.key }) {
                text += Array("shopperd_batches_total{decision=\"\(Self.escaped(decision))\"} \(count)\n".utf8)
            }
        }
        if let rollout = try? store.runningRollout() {
            text += Array(Self.rolloutExposition(rollout).utf8)
        } else {
            text += Array("""
                # HELP shopperd_rollout_running Whether a rollout runs (from the store).
                # TYPE shopperd_rollout_running gauge
                shopperd_rollout_running 0

                """.utf8)
        }
        if let alarms = try? store.driftAlarmCount() {
            text += Array("""
                # HELP shopperd_drift_alarms_total Batches whose drift check raised the alarm (from the store's jobs table).
                # TYPE shopperd_drift_alarms_total counter
                shopperd_drift_alarms_total \(alarms)

                """.utf8)
        }
        return text
    }

    /// The running rollout and its sequential test's last look, read from the store at scrape time.
    static func rolloutExposition(_ rollout: RolloutRecord) -> String {
        let labels = "rollout=\"\(rollout.id)\",mode=\"\(rollout.mode.rawValue)\",challenger_version=\"\(rollout.challengerVersion)\""
        var text = """
            # HELP shopperd_rollout_running Whether a rollout runs (from the store).
            # TYPE shopperd_rollout_running gauge
            shopperd_rollout_running{\(labels)} 1

            """
        guard let look = rollout.lastLook.flatMap({ try? JSONPolicy.decode(SequentialLook.self, from: $0) }) else { return text }
        let gauges: [(String, String, Double?)] = [
            ("rollout_outcomes", "Outcomes joined to the running rollout's predictions at its last look.", Double(look.outcomes)),
            ("rollout_auc_difference", "Challenger minus champion ROC AUC at the last look.", look.difference),
            ("rollout_bound_low", "Lower always-valid bound of the ROC AUC difference at the last look.", look.lower),
            ("rollout_bound_high", "Upper always-valid bound of the ROC AUC difference at the last look.", look.upper),
        ]
        for (name, help, value) in gauges {
            guard let value, value.isFinite else { continue }
            text += "# HELP shopperd_\(name) \(help)\n# TYPE shopperd_\(name) gauge\nshopperd_\(name){\(labels)} \(value)\n"
        }
        return text
    }

    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "shopperd", metricName: metric, unitName: unit, helpText: help)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A label value as the exposition format writes it.
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
