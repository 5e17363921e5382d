import Foundation
import Hummingbird
import ShopperPipeline
import ServiceLifecycle
import ShopperStore

/// `shopperd serve`: the HTTP scoring endpoint, a process of its own beside the daemon, reading
/// the same store (WAL: its reads never block the daemon's writes).
package enum ScoringServer {
    /// Serves until SIGINT or SIGTERM. `onListening` gets the bound port (useful with port 0).
    package static func run(store: ShopperStore, settings: ServeSettings, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let watch = ChampionWatch(catalog: ModelCatalog(store: store))
        watch.refresh()
        let poller = Task { await watch.watch(every: settings.pollInterval) }
        defer { poller.cancel() }
        let routes = ServeRoutes(scorer: Scorer(watch: watch), settings: settings)
        let app = Application(
            router: routes.router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(settings.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "shopperd"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? settings.port) })
        // SIGTERM/SIGINT: stop accepting, finish requests in flight; connections still open after
        // `shutdownGrace` (a client stalled mid-request, an idle keep-alive) are cut, so a stop
        // never waits for the idle timeout.
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger)
        configuration.maximumGracefulShutdownDuration = settings.shutdownGrace
        try await ServiceGroup(configuration: configuration).run()
    }
}
