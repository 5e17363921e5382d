import Foundation
import ShopperCore
@testable import ShopperNotify
import ShopperPipeline
import ShopperTestSupport
import Testing

/// A tiny real HTTP receiver on loopback (Python's http.server), answering by path: `/ok` 200
/// (and saving the request), `/busy` 500, `/limit` 429, `/gone/…` 404 echoing the path (as a
/// careless server would, secret included), `/auth` 401 with a challenge, `/slow` after 10 s.
final class WebhookReceiver: @unchecked Sendable {  // immutable after init
    let directory: TemporaryDirectory
    let process = Process()
    let port: Int

    static let script = #"""
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
directory = sys.argv[1]
class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def answer(self, status, body, headers={}):
        self.send_response(status)
        for k, v in headers.items(): self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/ok":
            n = len(os.listdir(directory))
            with open(os.path.join(directory, "req-%d.json" % n), "w") as f:
                json.dump({"headers": dict(self.headers.items()), "body": body.decode()}, f)
            self.answer(200, b"ok")
        elif self.path == "/busy": self.answer(500, b"busy, try later\nsecond line")
        elif self.path == "/limit": self.answer(429, b"rate limited", {"Retry-After": "1"})
        elif self.path.startswith("/gone/"): self.answer(404, ("no such webhook: " + self.path + " " + "x" * 500).encode())
        elif self.path == "/auth": self.answer(401, b"who are you", {"WWW-Authenticate": 'Basic realm="hooks"'})
        elif self.path == "/slow":
            time.sleep(10)
            try: self.answer(200, b"late")
            except OSError: pass  # the client gave up, as it should
        else: self.answer(400, b"bad path")
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(os.path.join(directory, "..", "port"), "w") as f: f.write(str(server.server_address[1]))
server.serve_forever()
"""#

    init() async throws {
        directory = try TemporaryDirectory("webhook")
        let requests = try directory.subdirectory("requests")
        try directory.write("receiver.py", Self.script)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.file("receiver.py"), requests]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let portFile = directory.file("port")
        guard await eventually(timeout: .seconds(30), { (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap(Int.init) != nil }),
              let port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap(Int.init) else {
            kill(process.processIdentifier, SIGKILL)
            throw TestFailure("the receiver did not start")
        }
        self.port = port
    }

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    /// The requests `/ok` received: headers and body.
    func requests() throws -> [(headers: [String: String], body: String)] {
        try directory.entries("requests").map { name in
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.file("requests/" + name)))) as? [String: Any]
            return ((object?["headers"] as? [String: String]) ?? [:], (object?["body"] as? String) ?? "")
        }
    }

    /// SIGKILL, not `terminate()`: a child of the test process starts with SIGTERM blocked (the
    /// mask is inherited), so SIGTERM would leave it running. Not waited for: Foundation reaps it.
    deinit {
        kill(process.processIdentifier, SIGKILL)
    }
}

@Suite struct WebhookTransportTests {
    @Test func a2xxIsDeliveredWithTheJSONTypeAndTheIdempotencyKey() async throws {
        let receiver = try await WebhookReceiver()
        let body = WebhookPayload.body(for: NotifyFixtures.batchNotice(attach: false), format: .generic)
        try await WebhookTransport(name: "ops", timeout: .seconds(20)).post(body, to: receiver.url("/ok"), idempotencyKey: "shopperd-41")
        let requests = try receiver.requests()
        #expect(requests.count == 1)
        let headers = Dictionary(uniqueKeysWithValues: (requests.first?.headers ?? [:]).map { ($0.key.lowercased(), $0.value) })
        #expect(headers["content-type"] == "application/json")
        #expect(headers["idempotency-key"] == "shopperd-41")
        #expect(requests.first?.body == String(decoding: body, as: UTF8.self))
    }

    @Test func statusesAreClassifiedAndTheURLIsNeverQuoted() async throws {
        let receiver = try await WebhookReceiver()
        let transport = WebhookTransport(name: "ops", timeout: .seconds(20))
        let body = Data("{}".utf8)
        let cases: [(path: String, transient: Bool, says: String)] = [
            ("/busy", true, "HTTP 500: \"busy, try later second line\""),
            ("/limit", true, "HTTP 429: \"rate limited\""),
            ("/gone/T0SECRET/B0SECRET/xoxsecretpart", false, "HTTP 404: \"no such webhook: <url>"),
            ("/auth", false, "HTTP 401"),
            ("/other", false, "HTTP 400: \"bad path\""),
        ]
        for (path, transient, says) in cases {
            let error = try await #require(throws: DeliveryError.self) {
                try await transport.post(body, to: receiver.url(path), idempotencyKey: "k")
            }
            #expect(error.isTransient == transient, "\(path): \(error)")
            #expect(error.message.hasPrefix("webhook ops: ") && error.message.contains(says), "\(path): \(error)")
            #expect(!error.message.contains("SECRET") && !error.message.contains("127.0.0.1") && !error.message.contains("\(receiver.port)"), "\(error)")
            // The first 200 bytes of the answer at most.
            #expect(error.message.utf8.count < 200 + 60, "\(error.message.utf8.count)")
        }
    }

    @Test func aSlowReceiverIsATransientTimeout() async throws {
        let receiver = try await WebhookReceiver()
        let started = ContinuousClock.now
        let error = try await #require(throws: DeliveryError.self) {
            try await WebhookTransport(name: "ops", timeout: .milliseconds(500)).post(Data("{}".utf8), to: receiver.url("/slow"), idempotencyKey: "k")
        }
        #expect(error == .transient("webhook ops: no answer within 0.5 s"))
        #expect(ContinuousClock.now - started < .seconds(9), "the deadline, not the receiver's 10 s, ended it")
    }

    @Test func aRefusedConnectionIsTransientAndABadURLPermanent() async throws {
        let receiver = try await WebhookReceiver()
        let closed = receiver.port  // a port nobody listens on once the receiver is gone
        _ = consume receiver
        let refused = try await #require(throws: DeliveryError.self) {
            try await WebhookTransport(name: "ops", timeout: .seconds(20)).post(Data("{}".utf8), to: URL(string: "http://127.0.0.1:\(closed)/ok")!, idempotencyKey: "k")
        }
        #expect(refused == .transient("webhook ops: connection refused"))
        let unusable = try await #require(throws: DeliveryError.self) {
            try await WebhookTransport(name: "ops").post(Data("{}".utf8), to: URL(string: "ftp://hooks.example.com/secret")!, idempotencyKey: "k")
        }
        #expect(!unusable.isTransient && !unusable.message.contains("secret"))
    }
}

@Suite struct WebhookPayloadTests {
    func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func slackGetsTextAndBlocksWithAHeaderAndFields() throws {
        let notice = NotifyFixtures.batchNotice(input: "<!channel> aug.csv")
        let summary = NoticeContent(notice).summary
        let slack = try object(WebhookPayload.body(for: notice, format: .slack))
        #expect(slack["text"] as? String == "shopperd: " + summary)
        let blocks = try #require(slack["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header")
        let header = try #require(blocks.first?["text"] as? [String: Any])
        #expect(header["type"] as? String == "plain_text" && (header["text"] as? String)?.count ?? 999 <= 150)
        let fields = try #require(blocks.first { $0["fields"] != nil }?["fields"] as? [[String: Any]])
        #expect(fields.count <= 10 && fields.allSatisfy { $0["type"] as? String == "mrkdwn" })
        #expect(fields.contains { $0["text"] as? String == "*Decision*\nretrain-promoted" })
        // A name cannot ping the channel: mrkdwn's < > & are escaped.
        #expect(fields.contains { $0["text"] as? String == "*Input*\n&lt;!channel&gt; aug.csv" })
        let drifted = try #require(notice.batch?.drift?.columns).filter { $0.drifted }
        let driftBlock = try #require(blocks.last?["text"] as? [String: Any])
        for column in drifted { #expect((driftBlock["text"] as? String)?.contains("*\(column.column.name)") == true) }
    }

    @Test func teamsGetsAnAdaptiveCardInAMessage() throws {
        let notice = NotifyFixtures.batchNotice()
        let teams = try object(WebhookPayload.body(for: notice, format: .teams))
        #expect(teams["type"] as? String == "message")
        let attachment = try #require((teams["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(attachment["contentUrl"] is NSNull)
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["type"] as? String == "AdaptiveCard" && card["version"] as? String == "1.4")
        #expect(card["$schema"] as? String == "http://adaptivecards.io/schemas/adaptive-card.json")
        let body = try #require(card["body"] as? [[String: Any]])
        #expect(body.first?["type"] as? String == "TextBlock" && body.first?["text"] as? String == "shopperd · " + NoticeContent(notice).summary)
        #expect(body.first?["color"] as? String == "Attention", "an alert is coloured")
        let facts = try #require(body.first { $0["type"] as? String == "FactSet" }?["facts"] as? [[String: String]])
        #expect(facts.contains { $0 == ["title": "Decision", "value": "retrain-promoted"] })
        #expect(facts.contains { $0 == ["title": "Host", "value": "shop-01.example.com"] })
    }

    @Test func genericCarriesTheReportAsTheOutboxWritesIt() throws {
        let notice = NotifyFixtures.batchNotice()
        let data = WebhookPayload.body(for: notice, format: .generic)
        let generic = try object(data)
        #expect(generic["event"] as? String == "batch")
        #expect(generic["id"] as? Int == 41)
        #expect(generic["occurred_at"] as? String == "2026-03-01T12:00:00Z")
        #expect(generic["host"] as? String == "shop-01.example.com")
        #expect(generic["subject"] as? String == NoticeContent(notice).summary)
        #expect(generic["alert"] as? Bool == true)
        #expect(generic["rejection"] is NSNull && generic["message"] is NSNull)
        // The drift page travels attached to the mail; the outbox has only these two.
        #expect(generic["outbox_files"] as? [String] == ["/var/lib/shopperd/outbox/nov.predictions.csv", "/var/lib/shopperd/outbox/nov.report.json"])
        // The batch is the report, keys and all: it decodes back to the same value.
        struct Envelope: Decodable { var batch: BatchReport }
        #expect(try JSONPolicy.decode(Envelope.self, from: data).batch == notice.batch)
        let batch = try #require(generic["batch"] as? [String: Any])
        #expect(batch["job_id"] as? String == "job-41" && batch["timings_ms"] != nil)

        let test = try object(WebhookPayload.body(for: Notice(kind: .test, id: 3, occurredAt: notice.occurredAt, host: "h", message: "hello"), format: .generic))
        #expect(test["event"] as? String == "test" && test["alert"] as? Bool == false && test["batch"] is NSNull && test["message"] as? String == "hello")
    }
}
