import Foundation
import Hummingbird
import ShopperPipeline
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
        try await app.runService()
    }
}
