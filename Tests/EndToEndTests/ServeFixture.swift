import Foundation
import ShopperCore
import ShopperTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `shopperd serve` on a copy of the bootstrapped state (champion v1), on a free loopback port,
/// and request payloads built from real sessions.
struct ServeFixture {
    let workspace: DaemonWorkspace
    let server: DaemonProcess
    let http: LoopbackHTTP

    static func start(_ extra: [String] = [], environment: [String: String] = [:]) async throws -> ServeFixture {
        try await start(on: try await DaemonWorkspace.bootstrapped(), extra, environment: environment)
    }

    /// `shopperd serve` on an existing workspace's state.
    static func start(on workspace: DaemonWorkspace, _ extra: [String] = [], environment: [String: String] = [:]) async throws -> ServeFixture {
        let server = try DaemonProcess(arguments: ["serve", "--state", workspace.state, "--listen", "127.0.0.1:0"] + extra, environment: environment)
        var port: Int?
        _ = await eventually(timeout: .seconds(30)) {
            port = server.stdout.split(separator: "\n").first { $0.hasPrefix("listening on 127.0.0.1:") }
                .flatMap { Int($0.dropFirst("listening on 127.0.0.1:".count).prefix { $0.isNumber }) }
            return port != nil || !server.isRunning
        }
        guard let port else {
            server.send(SIGKILL)
            throw DaemonTestError("shopperd serve did not start (running: \(server.isRunning)); stderr:\n\(server.stderr)")
        }
        return ServeFixture(workspace: workspace, server: server, http: LoopbackHTTP(port: port))
    }

    /// Runs `body` against a fresh server, then stops it, whether `body` threw or not.
    static func with(_ extra: [String] = [], environment: [String: String] = [:], _ body: (ServeFixture) async throws -> Void) async throws {
        let fixture = try await start(extra, environment: environment)
        do {
            try await body(fixture)
        } catch {
            _ = await fixture.stop()
            throw error
        }
        let status = await fixture.stop()
        #expect(status == 0, "shopperd serve did not stop cleanly on SIGTERM: \(fixture.server.stderr)")
    }

    /// Stops the server (SIGTERM, as systemd would) and waits for it.
    func stop() async -> Int32? {
        if server.isRunning { server.send(SIGTERM) }
        return await server.exitStatus(timeout: .seconds(30))
    }

    /// `count` sessions of a stationary batch, as the reader typed them.
    static func sessions(_ count: Int) throws -> [Session] {
        Array(try BatchReader().read(bytes: Array(DaemonBatches.stationary(rows: max(count, 10)).utf8), fileName: "rows.csv").sessions.prefix(count))
    }

    /// A session as a JSON record of the 17 inputs, each value of its natural JSON type.
    static func record(_ session: Session) -> [String: Any] {
        var record: [String: Any] = [:]
        for column in Column.inputs {
            switch column.kind {
            case .pageCount, .code: record[column.name] = Int(session.numericValue(column))
            case .month, .visitorType: record[column.name] = session.categoryLabel(column)
            case .boolean: record[column.name] = session.weekend
            case .duration, .unitInterval, .nonNegative: record[column.name] = session.numericValue(column)
            }
        }
        return record
    }

    /// The sessions as a CSV body with the 17 input columns.
    static func csv(_ sessions: [Session]) -> String {
        ([Column.inputs.map(\.name).joined(separator: ",")]
            + sessions.map { s in Column.inputs.map { s.categoryLabel($0) }.joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    /// The same sessions in every MLflow JSON form.
    static func mlflowForms(_ sessions: [Session]) -> [String: Any] {
        let records = sessions.map(record)
        let names = Column.inputs.map(\.name)
        var columns: [String: Any] = [:]
        for name in names { columns[name] = records.map { $0[name]! } }
        return [
            "dataframe_split": ["dataframe_split": ["columns": names, "data": records.map { r in names.map { r[$0]! } }]],
            "dataframe_records": ["dataframe_records": records],
            "instances": ["instances": records],
            "inputs": ["inputs": columns],
            "instances as lists": ["instances": records.map { r in names.map { r[$0]! } }],
        ]
    }

    /// The sessions as Open Inference Protocol tensors.
    static func inferRequest(_ sessions: [Session], id: String = "request-1") -> [String: Any] {
        let records = sessions.map(record)
        return ["id": id, "inputs": Column.inputs.map { column -> [String: Any] in
            let datatype: String = switch column.kind {
            case .pageCount, .code: "INT64"
            case .duration, .unitInterval, .nonNegative: "FP64"
            case .month, .visitorType: "BYTES"
            case .boolean: "BOOL"
            }
            return ["name": column.name, "shape": [sessions.count], "datatype": datatype, "data": records.map { $0[column.name]! }]
        }]
    }

    /// The predictions of an MLflow answer.
    static func predictions(_ answer: LoopbackHTTP.Answer) -> [[String: Any]] {
        answer.json["predictions"] as? [[String: Any]] ?? []
    }
}
