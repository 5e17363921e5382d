import ArgumentParser
import Foundation
import ShopperServe

/// `shopperd serve`: the HTTP scoring endpoint, beside the daemon, on the same store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Score sessions over HTTP with the current champion (MLflow /invocations, Open Inference Protocol v2).",
        discussion: """
            Reads the store only. The champion alias is read every 250 ms: a promotion or rollback \
            (by the daemon or `shopperd models`) is served within a second, and every answer names \
            the model version that produced it. Listens on loopback unless --listen says otherwise; \
            prints "listening on HOST:PORT" once bound (port 0 picks a free port). See docs/serving.md.
            """)

    @OptionGroup var state: StateOptions
    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT")) var listen = ServeSettings.defaultListen
    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Largest request body (413 past it).", valueName: "N"))
    var maxBodyBytes = ServeSettings.defaultMaxBodyBytes
    @Option(name: .customLong("max-rows"), help: ArgumentHelp("Most rows in one request (413 past it).", valueName: "N"))
    var maxRows = ServeSettings.defaultMaxRows

    func settings() throws(ServeSettingsError) -> ServeSettings {
        let (host, port) = try ServeSettings.listenAddress(listen)
        guard maxBodyBytes >= 1 else { throw .notPositive(option: "--max-body-bytes", value: maxBodyBytes) }
        guard maxRows >= 1 else { throw .notPositive(option: "--max-rows", value: maxRows) }
        return ServeSettings(host: host, port: port, maxBodyBytes: maxBodyBytes, maxRows: maxRows)
    }

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try self.settings()
        } catch {
            Terminal.error("shopperd serve: \(error)")
            throw ExitCode(64)
        }
        let store = try state.openStore()
        do {
            try await ScoringServer.run(store: store, settings: settings) { port in
                let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
                FileHandle.standardOutput.write(Data("listening on \(host):\(port)\n".utf8))
            }
        } catch {
            Terminal.error("shopperd serve: cannot serve on \(settings.host):\(settings.port): \(error)")
            throw ExitCode(69)
        }
    }
}
