import ArgumentParser
import Foundation
import ShopperStore

/// `--state DIR`: where the store lives. Shared by every command that touches the store.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The state directory; the store is DIR/shopperd.sqlite.", valueName: "DIR"))
    var state: String = "./state"

    /// The state directory as a URL.
    var directory: URL { URL(fileURLWithPath: state, isDirectory: true) }

    /// Opens the store (creating it if needed), or reports why not and exits with `CLIExit.storeFailure`.
    func openStore() throws -> ShopperStore {
        do {
            return try ShopperStore.open(directory: directory)
        } catch {
            throw Terminal.fail(error)
        }
    }
}
