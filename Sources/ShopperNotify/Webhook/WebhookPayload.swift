import Foundation
import ShopperCore
import ShopperDrift
import ShopperPipeline

/// Which JSON a webhook receives.
package enum WebhookFormat: String, Sendable, CaseIterable {
    /// A Slack incoming webhook: `text` (the fallback shown in notifications) and `blocks`.
    case slack
    /// A Microsoft Teams Workflows webhook ("When a Teams webhook request is received"): a
    /// `message` whose attachment is an Adaptive Card 1.4.
    case teams
    /// shopperd's own document, for any other receiver: the event, the facts, and the batch
    /// report exactly as the outbox writes it.
    case generic
}

/// The body POSTed to a webhook, as JSON by `JSONPolicy` (sorted keys, one line).
package enum WebhookPayload {
    package static func body(for notice: Notice, format: WebhookFormat) -> Data {
        let content = NoticeContent(notice)
        let encoded: Data?
        switch format {
        case .slack: encoded = try? JSONPolicy.encode(slack(notice, content), form: .compact)
        case .teams: encoded = try? JSONPolicy.encode(teams(notice, content), form: .compact)
        case .generic: encoded = try? JSONPolicy.encode(generic(notice, content), form: .compact)
        }
        // The types below hold strings, numbers and reports JSONPolicy always encodes.
        return encoded ?? Data("{}".utf8)
    }

    /// The drifted features, one fact each: `ks D = 0.2310, adjusted p 1.2e-08`.
    static func driftFacts(_ notice: Notice) -> [NoticeContent.Fact] {
        guard let drift = notice.batch?.drift else { return [] }
        return drift.columnsByConcern.filter(\.drifted).map { column in
            NoticeContent.Fact(name: column.column.name + (column.calendar ? " (calendar)" : ""),
                               value: "\(column.test.rawValue) \(NumberFormat.statistic(column.statistic)), adjusted p \(NumberFormat.pValue(column.pAdjusted))")
        }
    }

    static func clipped(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    // MARK: - Slack

    struct SlackMessage: Encodable {
        var text: String
        var blocks: [SlackBlock]
    }

    struct SlackBlock: Encodable {
        var type: String
        var text: SlackText?
        var fields: [SlackText]?
    }

    struct SlackText: Encodable {
        var type: String
        var text: String
    }

    /// Slack's mrkdwn gives `&`, `<` and `>` a meaning (links, mentions): escaped, a value shows as written.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func slack(_ notice: Notice, _ content: NoticeContent) -> SlackMessage {
        let title = (notice.isAlert ? "⚠️ " : "") + "shopperd · " + content.summary
        var blocks = [
            SlackBlock(type: "header", text: SlackText(type: "plain_text", text: clipped(title, 150))),
            SlackBlock(type: "section", text: SlackText(type: "mrkdwn", text: clipped(slackEscaped(content.headline), 3000))),
        ]
        // Slack takes at most 10 fields of at most 2000 characters.
        let fields = content.keyFacts.prefix(10).map { fact in
            SlackText(type: "mrkdwn", text: clipped("*\(slackEscaped(fact.name))*\n\(slackEscaped(fact.value))", 2000))
        }
        if !fields.isEmpty { blocks.append(SlackBlock(type: "section", fields: Array(fields))) }
        let drifted = driftFacts(notice)
        if !drifted.isEmpty {
            let lines = drifted.map { "• *\(slackEscaped($0.name))*: \(slackEscaped($0.value))" }.joined(separator: "\n")
            blocks.append(SlackBlock(type: "section", text: SlackText(type: "mrkdwn", text: clipped("*Drifted features*\n" + lines, 3000))))
        }
        return SlackMessage(text: clipped("shopperd: " + content.summary, 3000), blocks: blocks)
    }

    // MARK: - Teams

    struct TeamsMessage: Encodable {
        let type = "message"
        var attachments: [TeamsAttachment]
    }

    struct TeamsAttachment: Encodable {
        let contentType = "application/vnd.microsoft.card.adaptive"
        @ExplicitNull var contentUrl: String? = nil
        var content: AdaptiveCard
    }

    struct AdaptiveCard: Encodable {
        let schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        let type = "AdaptiveCard"
        let version = "1.4"
        var body: [CardElement]
        let msteams = ["width": "Full"]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case type, version, body, msteams
        }
    }

    struct CardElement: Encodable {
        var type: String
        var text: String?
        var weight: String?
        var size: String?
        var color: String?
        var wrap: Bool?
        var facts: [CardFact]?
    }

    struct CardFact: Encodable {
        var title: String
        var value: String
    }

    static func teams(_ notice: Notice, _ content: NoticeContent) -> TeamsMessage {
        var body = [
            CardElement(type: "TextBlock", text: "shopperd · " + content.summary, weight: "Bolder", size: "Medium",
                        color: notice.isAlert ? "Attention" : nil, wrap: true),
            CardElement(type: "TextBlock", text: content.headline, wrap: true),
            CardElement(type: "FactSet", facts: content.keyFacts.map { CardFact(title: $0.name, value: $0.value) }),
        ]
        let drifted = driftFacts(notice)
        if !drifted.isEmpty {
            body.append(CardElement(type: "TextBlock", text: "Drifted features", weight: "Bolder", wrap: true))
            body.append(CardElement(type: "FactSet", facts: drifted.map { CardFact(title: $0.name, value: $0.value) }))
        }
        return TeamsMessage(attachments: [TeamsAttachment(content: AdaptiveCard(body: body))])
    }

    // MARK: - Generic

    struct GenericEvent: Encodable {
        var event: String
        var id: Int64
        var occurredAt: String
        var host: String
        var subject: String
        var headline: String
        var alert: Bool
        var facts: [String: String]
        @ExplicitNull var batch: BatchReport?
        @ExplicitNull var rejection: RejectionReport?
        @ExplicitNull var message: String?
        @ExplicitNull var outboxDirectory: String?
        var outboxFiles: [String]

        enum CodingKeys: String, CodingKey {
            case event, id, host, subject, headline, alert, facts, batch, rejection, message
            case occurredAt = "occurred_at"
            case outboxDirectory = "outbox_directory"
            case outboxFiles = "outbox_files"
        }
    }

    static func generic(_ notice: Notice, _ content: NoticeContent) -> GenericEvent {
        GenericEvent(
            event: notice.kind.rawValue, id: notice.id, occurredAt: JSONPolicy.timestamp(notice.occurredAt), host: notice.host,
            subject: content.summary, headline: content.headline, alert: notice.isAlert,
            facts: Dictionary(content.keyFacts.map { ($0.name.lowercased().replacingOccurrences(of: " ", with: "_"), $0.value) },
                              uniquingKeysWith: { first, _ in first }),
            batch: notice.batch, rejection: notice.rejection, message: notice.message,
            outboxDirectory: notice.outboxDirectory, outboxFiles: notice.outboxFiles)
    }
}
