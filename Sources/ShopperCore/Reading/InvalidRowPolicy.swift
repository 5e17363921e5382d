/// What the reader does with a batch that has invalid rows.
package enum InvalidRowPolicy: String, Sendable, Codable, CaseIterable {
    /// Any invalid row rejects the whole batch, listing every problem (the default: never partial data).
    case reject
    /// Keep the valid rows and set the invalid ones aside with their reasons.
    case quarantineRows = "quarantine-rows"
}
