import ArgumentParser
import Foundation
import ShopperServe
import ShopperStore

/// `shopperd serve`: the HTTP scoring endpoint, beside the daemon, on the same store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Score sessions over HTTP with the current champion (MLflow /invocations, Open Inference Protocol v2).",
        discussion: """
            Reads the store only. The champion alias is read every 250 ms: a promotion or rollback \
            (by the daemon or `shopperd models`) is served within a second, and every answer names \
            the model version that produced it. Listens on loopback unless --listen says otherwise; \
            prints "listening on HOST:PORT" once bound (port 0 picks a free port). Under systemd \
            socket activation (shopperd-serve.socket) it serves on the socket systemd passes \
            (LISTEN_FDS) and binds nothing itself. See docs/serving.md.
            """)

    @OptionGroup var state: StateOptions
    @Option(help: ArgumentHelp("Address to listen on (default \(ServeSettings.defaultListen)); not with a socket from systemd.", valueName: "HOST:PORT"))
    var listen: String?
    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Largest request body (413 past it).", valueName: "N"))
    var maxBodyBytes = ServeSettings.defaultMaxBodyBytes
    @Option(name: .customLong("max-rows"), help: ArgumentHelp("Most rows in one request (413 past it).", valueName: "N"))
    var maxRows = ServeSettings.defaultMaxRows
    @Option(name: .customLong("token-file"), help: ArgumentHelp(
        "Require Authorization: Bearer TOKEN for scoring, metadata and metrics; FILE holds the token and must be the owner's only (chmod 600). Under systemd: LoadCredential=serve-token:FILE instead.",
        valueName: "FILE"))
    var tokenFile: String?

    func settings() throws(ServeSettingsError) -> ServeSettings {
        let (host, port) = try ServeSettings.listenAddress(listen ?? ServeSettings.defaultListen)
        guard maxBodyBytes >= 1 else { throw .notPositive(option: "--max-body-bytes", value: maxBodyBytes) }
        guard maxRows >= 1 else { throw .notPositive(option: "--max-rows", value: maxRows) }
        return ServeSettings(host: host, port: port, maxBodyBytes: maxBodyBytes, maxRows: maxRows)
    }

    /// The socket systemd passed, else the `--listen` address. Both at once is refused: which
    /// one serves would be a guess.
    func target(_ settings: ServeSettings) throws -> ListenTarget {
        let inherited: ListenTarget?
        do {
            inherited = try ListenTarget.fromSystemd()
        } catch {
            Terminal.error("shopperd serve: \(error)")
            throw ExitCode(64)
        }
        guard let inherited else { return .address(host: settings.host, port: settings.port) }
        if let listen {
            Terminal.error("shopperd serve: --listen \(listen) given, but systemd passed a listening socket (LISTEN_FDS): "
                + "drop --listen and set the address in the socket unit's ListenStream=")
            throw ExitCode(64)
        }
        return inherited
    }

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try self.settings()
        } catch {
            Terminal.error("shopperd serve: \(error)")
            throw ExitCode(64)
        }
        let target = try self.target(settings)
        let token: BearerToken?
        do {
            token = try BearerToken.load(tokenFile: tokenFile, environment: ProcessInfo.processInfo.environment)
        } catch {
            Terminal.error("shopperd serve: \(error)")
            throw ExitCode(64)
        }
        let store = try state.openStore(.readOnly)
        do {
            let directory = state.directory
            let writer: @Sendable () throws -> ShopperStore = { try ShopperStore.open(directory: directory, mode: .existing) }
            try await ScoringServer.run(store: store, writer: writer, settings: settings, target: target, token: token) { address in
                let origin = if case .inherited = target { " (socket from systemd)" } else { "" }
                let guarded = token == nil ? "" : " (bearer token required for scoring, metadata and metrics)"
                FileHandle.standardOutput.write(Data("listening on \(address)\(origin)\(guarded)\n".utf8))
            }
        } catch {
            let place = if case .inherited(let descriptor) = target { "the socket systemd passed (descriptor \(descriptor))" } else {
                "\(settings.host):\(settings.port)"
            }
            Terminal.error("shopperd serve: cannot serve on \(place): \(error)")
            throw ExitCode(69)
        }
    }
}
