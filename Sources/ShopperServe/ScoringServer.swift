import CSystemd
import Foundation
import Hummingbird
import Logging
import ShopperPipeline
import ServiceLifecycle
import ShopperStore

/// `shopperd serve`: the HTTP scoring endpoint, a process of its own beside the daemon, reading
/// the same store (WAL: its reads never block the daemon's writes).
package enum ScoringServer {
    /// Serves until SIGINT or SIGTERM. `onListening` gets the bound address as `HOST:PORT` (the
    /// port the kernel chose with port 0; the inherited socket's own address under systemd).
    /// The champion is loaded before the first connection is accepted, so a socket-activated
    /// start answers its first request with the model. `writer` opens the store for writing, on
    /// first use, for the live rollout's predictions and the feedback calls (`LiveLedger`).
    package static func run(
        store: ShopperStore, writer: @escaping @Sendable () throws -> ShopperStore, settings: ServeSettings, target: ListenTarget,
        token: BearerToken? = nil, onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        let metrics = ServeMetrics(store: store)
        let watch = ChampionWatch(catalog: ModelCatalog(store: store)) { metrics.championLoaded(version: $0, duration: $1) }
        watch.refresh()
        let poller = Task { await watch.watch(every: settings.pollInterval) }
        defer { poller.cancel() }
        let ledger = LiveLedger(open: writer) { metrics.shadowPredictions(version: $0, count: $1) }
        let flusher = ledger.startFlushing(every: .milliseconds(250))
        defer { flusher.stop() }
        // The count the daemon's trainings watch to yield to live scoring (`training.yield-above`).
        let activity: ServingActivity?
        do {
            activity = try ServingActivity.forServing(in: URL(fileURLWithPath: store.path).deletingLastPathComponent())
        } catch {
            activity = nil
            FileHandle.standardError.write(Data(
                "shopperd serve: \(error); scoring goes on, but the daemon's trainings cannot see it and will not pause for it\n".utf8))
        }
        let scorer = Scorer(watch: watch, metrics: metrics, ledger: ledger, activity: activity)
        let routes = ServeRoutes(scorer: scorer, settings: settings, token: token, metrics: metrics)
        var logger = Logger(label: "shopperd-serve")
        logger.logLevel = .warning
        let listener = HTTPListener(
            target: target, responder: routes.router().buildResponder(), idleTimeout: .seconds(settings.idleTimeoutSeconds),
            logger: logger
        ) { channel in
            let address: String = switch target {
            case .inherited(let descriptor): ListenTarget.localAddress(of: descriptor) ?? "descriptor \(descriptor)"
            case .address(let host, let port):
                (host.contains(":") ? "[\(host)]" : host) + ":" + String(channel.localAddress?.port ?? port)
            }
            onListening(address)
            // Type=notify: ready once connections are taken (without NOTIFY_SOCKET, nothing is sent).
            _ = sd_notify(0, "READY=1\nSTATUS=listening on \(address)")
        }
        // SIGTERM/SIGINT: stop accepting, finish requests in flight; connections still open after
        // `shutdownGrace` (a client stalled mid-request, an idle keep-alive) are cut, so a stop
        // never waits for the idle timeout.
        var configuration = ServiceGroupConfiguration(services: [listener], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = settings.shutdownGrace
        try await ServiceGroup(configuration: configuration).run()
    }
}
