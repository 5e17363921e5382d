import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The HTTP/1.1 server of `shopperd serve`: Hummingbird's router and HTTP/1 channel, on a socket
/// it binds itself (`--listen`) or on one systemd bound and passed (socket activation).
///
/// Hummingbird 2.28.1's `Application`/`Server` can only bind a host and port or a Unix socket
/// path: there is no way to hand it an existing descriptor. This is its `Server.run` made to take
/// either (NIO's `ServerBootstrap.bind(_:)` registers an already bound and listening socket as
/// is), with the same graceful stop: on shutdown the server channel closes (this process's copy
/// of the descriptor only: under systemd the socket stays open and listening in PID 1, so
/// connections made meanwhile wait in its queue for the next process), then, after a short grace
/// for connections just accepted, every connection is told to quiesce (an idle keep-alive closes,
/// a request in flight finishes with `Connection: close`), and `run` returns once all have closed.
package struct HTTPListener: Service {
    package typealias Responder = RouterResponder<BasicRequestContext>
    /// On a stop, how long connections just accepted have to deliver their request.
    static let acceptedGrace = TimeAmount.milliseconds(500)

    let target: ListenTarget
    let responder: Responder
    let idleTimeout: TimeAmount
    let serverName: String
    let logger: Logger
    let onListening: @Sendable (any Channel) async -> Void

    package init(
        target: ListenTarget, responder: Responder, idleTimeout: TimeAmount, serverName: String = "shopperd",
        logger: Logger, onListening: @escaping @Sendable (any Channel) async -> Void
    ) {
        self.target = target
        self.responder = responder
        self.idleTimeout = idleTimeout
        self.serverName = serverName
        self.logger = logger
        self.onListening = onListening
    }

    package func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let childChannel = HTTP1Channel(responder: respond, configuration: .init(idleTimeout: idleTimeout))
        let quiescing = ServerQuiescingHelper(group: group)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        let logger = logger
        let setup: @Sendable (any Channel) -> EventLoopFuture<HTTP1Channel.Value> = { childChannel.setup(channel: $0, logger: logger) }
        let server: NIOAsyncChannel<HTTP1Channel.Value, Never>
        switch target {
        case .address(let host, let port):
            server = try await bootstrap
                .serverChannelOption(ChannelOptions.backlog, value: 256)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port, serverBackPressureStrategy: nil, childChannelInitializer: setup)
        case .inherited(let descriptor):
            // Already bound and listening (by systemd): registered as is, no bind, no listen.
            server = try await bootstrap.bind(descriptor, serverBackPressureStrategy: nil, childChannelInitializer: setup)
        }
        await withGracefulShutdownHandler {
            await onListening(server.channel)
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await childChannel.handle(value: connection, logger: logger) }
                        }
                    }
                } catch {
                    logger.error("accepting connections failed: \(error)")
                }
            }
        } onGracefulShutdown: {
            // Stop accepting at once (no more reads on the listening socket: what arrives now
            // waits in the kernel's queue, for the next process under systemd), but close the
            // server channel and quiesce the connections only after `acceptedGrace`. Closing at
            // once drops connections accepted a moment before whose set-up has not reached the
            // accept loop, and a connection whose request is not read yet counts as idle and
            // would be closed under its client: resets mid-request, seen under `systemctl
            // restart` at full load. Given the grace, each is read and answered (`Connection: close`).
            let channel = server.channel
            channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in
                channel.eventLoop.scheduleTask(in: Self.acceptedGrace) { quiescing.initiateShutdown(promise: nil) }
            }
        }
    }

    /// One request: the router's answer (a 500 for an error it did not turn into one), with
    /// `Date` and `Server` headers, as Hummingbird's `Application` answers.
    private var respond: HTTPChannelHandler.Responder {
        let responder = responder
        let logger = logger
        let serverName = serverName
        return { request, writer, channel in
            let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error  // the channel answers 400 and closes the connection
            } catch {
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = HTTPDate.now()
            response.headers[.server] = serverName
            try await writer.write(response: response.head, body: response.body)
        }
    }
}
