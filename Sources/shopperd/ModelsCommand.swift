import ArgumentParser
import Foundation
import ShopperPipeline
import ShopperStore

/// `shopperd models …`: the model registry — list, show, promote, roll back, history, export.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, inspect, promote, roll back and export registered models.",
        discussion: """
            A model is named by its version number or by an alias (champion, challenger). Every alias change is \
            recorded with its reason (`models history`). Exit status: 0 done; 64 unknown model version, alias not \
            set, nothing to roll back, or a bad option; 65 a registry entry or model file that cannot be read; \
            66 no store; 73 the --out file cannot be written; 74 the store failed. See docs/registry.md.
            """,
        subcommands: [List.self, Show.self, Promote.self, Rollback.self, History.self, Export.self],
        defaultSubcommand: List.self
    )

    /// Opens the store, runs `body` with a catalog, and turns any failure into a message and an exit status.
    static func withCatalog(_ state: StateOptions, _ body: (ModelCatalog) throws -> Void) throws {
        let catalog = ModelCatalog(store: try RegistryCLI.openExistingStore(state))
        do {
            try body(catalog)
        } catch {
            throw RegistryCLI.fail(error)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the registered models: version, created, training data, holdout ROC AUC, threshold, aliases.")

        @OptionGroup var state: StateOptions

        @Option(help: "Output format: text or json.")
        var format: ReportFormat = .text

        func run() throws {
            try ModelsCommand.withCatalog(state) { catalog in
                let entries = try catalog.entries()
                switch format {
                case .json:
                    print(try RegistryCLI.json(entries.map(ModelReport.Summary.init)))
                case .text:
                    if entries.isEmpty {
                        print("No model is registered yet: train one with `shopperd train --state \(state.state)`.")
                    } else {
                        print(ModelReport.listTable(entries))
                    }
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show everything about a model: lineage, parameters, threshold, metrics, importances, tuning, file.")

        @Argument(help: ArgumentHelp("The model: a version number, champion or challenger.", valueName: "V"))
        var model: ModelReference

        @OptionGroup var state: StateOptions

        @Option(help: "Output format: text or json.")
        var format: ReportFormat = .text

        func run() throws {
            try ModelsCommand.withCatalog(state) { catalog in
                let entry = try catalog.entry(model)
                switch format {
                case .json: print(try RegistryCLI.json(ModelReport.Full(entry: entry)))
                case .text: print(ModelReport.text(entry))
                }
            }
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Point an alias (default: champion) at a model version, recording why.")

        @Argument(help: ArgumentHelp("The model: a version number, or the alias whose model to promote (e.g. challenger).", valueName: "V"))
        var model: ModelReference

        @OptionGroup var state: StateOptions

        @Option(help: "The alias to move: champion or challenger.")
        var alias: ModelAlias = .champion

        @Option(help: ArgumentHelp("Why, for the alias history.", valueName: "TEXT"))
        var reason: String = "promoted by hand (`shopperd models promote`)"

        @Option(help: "Output format: text or json.")
        var format: ReportFormat = .text

        func run() throws {
            try ModelsCommand.withCatalog(state) { catalog in
                let version = try catalog.version(of: model)
                let change: AliasChange
                do {
                    change = try catalog.store.promote(version: version, to: alias, reason: reason)
                } catch StoreError.aliasAlreadySet {
                    // Asking for what already holds is not an error (exit 0), and nothing is recorded.
                    switch format {
                    case .json: print(try RegistryCLI.json(ModelReport.Unchanged(alias: alias.rawValue, version: version)))
                    case .text: print("\(alias.rawValue) is already version \(version): nothing changed")
                    }
                    return
                }
                switch format {
                case .json: print(try RegistryCLI.json(ModelReport.Change(change: change)))
                case .text: print(ModelReport.describe(change))
                }
            }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Point an alias (default: champion) back at the model it had before its last promotion.",
            discussion: "Repeatable: each rollback steps one promotion further back. Recorded in the history with its reason.")

        @OptionGroup var state: StateOptions

        @Option(help: "The alias to roll back: champion or challenger.")
        var alias: ModelAlias = .champion

        @Option(help: ArgumentHelp("Why, for the alias history.", valueName: "TEXT"))
        var reason: String = "rolled back by hand (`shopperd models rollback`)"

        @Option(help: "Output format: text or json.")
        var format: ReportFormat = .text

        func run() throws {
            try ModelsCommand.withCatalog(state) { catalog in
                let change = try catalog.store.rollback(alias, reason: reason)
                switch format {
                case .json: print(try RegistryCLI.json(ModelReport.Change(change: change)))
                case .text: print(ModelReport.describe(change))
                }
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every alias change, oldest first: time, alias, action, from, to, reason.")

        @OptionGroup var state: StateOptions

        @Option(help: "Only this alias: champion or challenger (default: both).")
        var alias: ModelAlias?

        @Option(help: "Output format: text or json.")
        var format: ReportFormat = .text

        func run() throws {
            try ModelsCommand.withCatalog(state) { catalog in
                let changes = try catalog.store.aliasHistory(alias)
                switch format {
                case .json:
                    print(try RegistryCLI.json(changes.map(ModelReport.Change.init)))
                case .text:
                    if changes.isEmpty {
                        print("No alias has been set yet: promote a model with `shopperd models promote V`.")
                    } else {
                        print(ModelReport.historyTable(changes))
                    }
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a model's file (JSON, docs/forest.md) to --out, checked against its registered SHA-256.")

        @Argument(help: ArgumentHelp("The model: a version number, champion or challenger.", valueName: "V"))
        var model: ModelReference

        @OptionGroup var state: StateOptions

        @Option(help: ArgumentHelp("The file to write (replaced atomically if it exists).", valueName: "FILE"))
        var out: String

        func run() throws {
            try ModelsCommand.withCatalog(state) { catalog in
                let (record, bytes) = try catalog.modelFile(model)
                try RegistryCLI.writeAtomically(bytes, to: out)
                print("model version \(record.version) written to \(out): \(bytes.count) bytes, SHA-256 \(record.modelSHA256)")
            }
        }
    }
}
