import GRDB

/// The store's schema, as named, versioned migrations (GRDB records which ran in
/// `grdb_migrations`; a newer binary adds its migrations, never edits an old one).
///
/// Layout choices (see `docs/store.md`):
/// - One store version per batch: `batches.version`. Rows are append-only and carry the version
///   that added them; bronze, silver and gold share one row id per record, allocated in increasing
///   order, so "as of version N" is `id <= batches.last_row_id` of N: a range on the primary key,
///   no secondary index to maintain during a million-row insert.
/// - Gold holds only the derived features; it joins silver on the shared id.
/// - Registry payloads (parameters, metrics, importances) are opaque JSON blobs owned by ShopperML.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1 medallion layers") { db in
            try db.execute(sql: """
                CREATE TABLE batches (
                    version INTEGER PRIMARY KEY,
                    file_name TEXT NOT NULL,
                    byte_size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL UNIQUE,
                    received_at REAL NOT NULL,
                    ingested_at REAL NOT NULL,
                    is_labelled INTEGER NOT NULL,
                    row_count INTEGER NOT NULL,
                    positive_count INTEGER NOT NULL,
                    duplicate_count INTEGER NOT NULL,
                    quarantined_count INTEGER NOT NULL,
                    header TEXT NOT NULL,
                    unknown_columns TEXT NOT NULL,
                    policy TEXT NOT NULL,
                    peak_months TEXT NOT NULL,
                    first_row_id INTEGER NOT NULL,
                    last_row_id INTEGER NOT NULL
                );
                CREATE TABLE bronze_rows (
                    id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL,
                    line INTEGER NOT NULL,
                    raw TEXT NOT NULL
                );
                CREATE TABLE silver_rows (
                    id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL,
                    line INTEGER NOT NULL,
                    duplicate_of_line INTEGER,
                    administrative INTEGER NOT NULL,
                    administrative_duration REAL NOT NULL,
                    informational INTEGER NOT NULL,
                    informational_duration REAL NOT NULL,
                    product_related INTEGER NOT NULL,
                    product_related_duration REAL NOT NULL,
                    bounce_rates REAL NOT NULL,
                    exit_rates REAL NOT NULL,
                    page_values REAL NOT NULL,
                    special_day REAL NOT NULL,
                    month TEXT NOT NULL,
                    operating_systems INTEGER NOT NULL,
                    browser INTEGER NOT NULL,
                    region INTEGER NOT NULL,
                    traffic_type INTEGER NOT NULL,
                    visitor_type TEXT NOT NULL,
                    weekend INTEGER NOT NULL,
                    revenue INTEGER
                );
                CREATE TABLE gold_rows (
                    id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL,
                    is_returning_visitor INTEGER NOT NULL,
                    page_value_exit_rate_ratio REAL NOT NULL,
                    is_peak_shopping_season INTEGER NOT NULL,
                    total_duration REAL NOT NULL,
                    total_pages INTEGER NOT NULL,
                    has_page_value INTEGER NOT NULL,
                    avg_seconds_per_page REAL NOT NULL,
                    is_near_special_day INTEGER NOT NULL
                );
                CREATE TABLE quarantined_rows (
                    id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL,
                    line INTEGER NOT NULL,
                    raw TEXT NOT NULL,
                    issues TEXT NOT NULL
                );
                CREATE INDEX quarantined_rows_by_version ON quarantined_rows(version);
                """)
        }

        migrator.registerMigration("v2 model registry, predictions, performance") { db in
            try db.execute(sql: """
                CREATE TABLE models (
                    version INTEGER PRIMARY KEY,
                    created_at REAL NOT NULL,
                    params BLOB NOT NULL,
                    metrics BLOB NOT NULL,
                    importances BLOB NOT NULL,
                    training_store_version INTEGER NOT NULL,
                    training_from_version INTEGER,
                    training_row_count INTEGER NOT NULL,
                    seed INTEGER NOT NULL,
                    code_version TEXT NOT NULL,
                    model_file BLOB NOT NULL,
                    model_sha256 TEXT NOT NULL
                );
                CREATE TABLE aliases (
                    alias TEXT PRIMARY KEY,
                    model_version INTEGER NOT NULL REFERENCES models(version),
                    updated_at REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE alias_history (
                    id INTEGER PRIMARY KEY,
                    alias TEXT NOT NULL,
                    action TEXT NOT NULL,
                    from_version INTEGER REFERENCES models(version),
                    to_version INTEGER REFERENCES models(version),
                    reason TEXT NOT NULL,
                    changed_at REAL NOT NULL
                );
                CREATE INDEX alias_history_by_alias ON alias_history(alias, id);
                CREATE TABLE predictions (
                    batch_version INTEGER NOT NULL REFERENCES batches(version),
                    model_version INTEGER NOT NULL REFERENCES models(version),
                    row_number INTEGER NOT NULL,
                    probability REAL NOT NULL,
                    label INTEGER NOT NULL,
                    PRIMARY KEY (batch_version, model_version, row_number)
                ) WITHOUT ROWID;
                CREATE TABLE batch_performance (
                    id INTEGER PRIMARY KEY,
                    batch_version INTEGER NOT NULL REFERENCES batches(version),
                    model_version INTEGER NOT NULL REFERENCES models(version),
                    row_count INTEGER NOT NULL,
                    positive_count INTEGER NOT NULL,
                    threshold REAL NOT NULL,
                    roc_auc REAL,
                    recall REAL,
                    precision REAL,
                    recorded_at REAL NOT NULL
                );
                CREATE INDEX batch_performance_by_model ON batch_performance(model_version, batch_version);
                """)
        }
        migrator.registerMigration("v3 pipeline jobs") { db in
            // One row per inbox arrival the daemon finished (see JobRecord). Written in the same
            // transaction as the batch's version, model, predictions: a job row is the proof that
            // an input has its outcome, so a restart never processes it twice.
            try db.execute(sql: """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY,
                    input_name BLOB NOT NULL,
                    outbox_stem TEXT NOT NULL UNIQUE,
                    outcome TEXT NOT NULL,
                    decision TEXT NOT NULL,
                    batch_version INTEGER REFERENCES batches(version),
                    model_version INTEGER REFERENCES models(version),
                    row_count INTEGER NOT NULL,
                    drift_report BLOB,
                    report BLOB NOT NULL,
                    processed_at REAL NOT NULL,
                    delivered_at REAL
                ) WITHOUT ROWID;
                CREATE INDEX jobs_by_time ON jobs(processed_at, id);
                """)
        }
        migrator.registerMigration("v4 mlflow mirror") { db in
            // What has been mirrored into an MLflow server (see ShopperStore+MLflowMirror). The
            // entities themselves (models, alias_history, jobs) are the durable queue; this table
            // only records progress, per destination (server, experiments, registered model), so
            // pointing shopperd at another server mirrors everything there too.
            try db.execute(sql: """
                CREATE TABLE mlflow_mirror (
                    target TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    key TEXT NOT NULL,
                    state TEXT NOT NULL,
                    experiment_id TEXT,
                    run_id TEXT,
                    registered_version TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    last_attempt_at REAL,
                    next_attempt_at REAL,
                    mirrored_at REAL,
                    PRIMARY KEY (target, kind, key)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5 labelled row counts") { db in
            // A batch may label some rows and leave `Revenue` blank on others: `is_labelled` (at
            // least one label) no longer says how many rows can train. Before this migration a
            // batch was labelled on every row or on none, so the count is exact for old versions.
            try db.execute(sql: """
                ALTER TABLE batches ADD COLUMN labelled_count INTEGER NOT NULL DEFAULT 0;
                UPDATE batches SET labelled_count = CASE WHEN is_labelled THEN row_count ELSE 0 END;
                """)
        }
        migrator.registerMigration("v6 notification queue") { db in
            // Notifications to the administrator (see ShopperStore+Notifications). An event is
            // written in the transaction of what it reports; each channel's progress is a row of
            // notification_deliveries. A channel owes the events after `first_event_id`: the last
            // event when the channel was first configured, so a new webhook is not sent the history.
            try db.execute(sql: """
                CREATE TABLE notification_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    job_id TEXT REFERENCES jobs(id),
                    alerts TEXT NOT NULL DEFAULT '',
                    message TEXT,
                    created_at REAL NOT NULL
                );
                CREATE TABLE notification_channels (
                    channel TEXT PRIMARY KEY,
                    first_event_id INTEGER NOT NULL,
                    added_at REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE notification_deliveries (
                    channel TEXT NOT NULL REFERENCES notification_channels(channel),
                    event_id INTEGER NOT NULL REFERENCES notification_events(id),
                    state TEXT NOT NULL CHECK (state IN ('retrying', 'sent', 'skipped', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL,
                    last_error TEXT,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (channel, event_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v7 rollouts") { db in
            // Shadow and A/B rollouts (see ShopperStore+Rollouts). At most one runs at a time (the
            // partial unique index). `rollout_predictions` holds both models' probabilities for
            // every row scored while a rollout runs, by prediction id, and the outcome once known:
            // an outcome is joined once (a second one is a duplicate), so nothing is counted twice.
            try db.execute(sql: """
                CREATE TABLE rollouts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    mode TEXT NOT NULL CHECK (mode IN ('shadow', 'ab')),
                    share REAL NOT NULL,
                    champion_version INTEGER NOT NULL REFERENCES models(version),
                    challenger_version INTEGER NOT NULL REFERENCES models(version),
                    state TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    deadline REAL NOT NULL,
                    max_outcomes INTEGER NOT NULL,
                    settings BLOB NOT NULL,
                    reason TEXT NOT NULL,
                    ended_at REAL,
                    verdict TEXT,
                    last_look BLOB,
                    looks INTEGER NOT NULL DEFAULT 0,
                    duplicate_outcomes INTEGER NOT NULL DEFAULT 0,
                    unknown_outcomes INTEGER NOT NULL DEFAULT 0,
                    late_outcomes INTEGER NOT NULL DEFAULT 0
                );
                CREATE UNIQUE INDEX rollouts_one_running ON rollouts(state) WHERE state = 'running';
                CREATE TABLE rollout_predictions (
                    prediction_id TEXT PRIMARY KEY,
                    rollout_id INTEGER NOT NULL REFERENCES rollouts(id),
                    source TEXT NOT NULL CHECK (source IN ('batch', 'live')),
                    batch_version INTEGER REFERENCES batches(version),
                    row_number INTEGER,
                    champion_probability REAL NOT NULL,
                    challenger_probability REAL NOT NULL,
                    answered_by INTEGER NOT NULL,
                    predicted_at REAL NOT NULL,
                    outcome INTEGER,
                    outcome_at REAL
                ) WITHOUT ROWID;
                CREATE INDEX rollout_predictions_by_rollout ON rollout_predictions(rollout_id, outcome);
                CREATE INDEX rollout_predictions_by_batch ON rollout_predictions(batch_version, row_number)
                    WHERE batch_version IS NOT NULL;
                """)
        }
        return migrator
    }
}
