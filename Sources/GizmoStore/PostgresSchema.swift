/// The tables and functions of the shared store in PostgreSQL
/// (docs/architecture.md, "The store on PostgreSQL").
///
/// Every module's keys live in two tables, `gizmo_entry` and `gizmo_item`,
/// the same rows SQLite keeps per module file, with the module's name in the
/// key; `gizmo_module` holds each module's byte count, so the limit holds
/// across replicas. A write is one call of a PL/pgSQL function: one round
/// trip, one transaction, its row locks taken in one order (the key's entry,
/// then the module's row), and its notification (`pg_notify` on
/// ``channel``) sent at its commit, in commit order, to every replica.
enum PostgresSchema {
    /// The channel every replica listens on.
    static let channel = "gizmo_store"

    /// The largest notification payload sent whole; PostgreSQL's limit is
    /// 8000 bytes. A larger change is announced without its JSON, and each
    /// replica reads it from the tables.
    static let payloadBytes = 7000

    /// Tried by every replica at its start, under a transaction-scoped
    /// advisory lock so that two replicas starting together do not race.
    static let statements: [String] = [
        "SELECT pg_advisory_xact_lock(7468023150412)",
        """
        CREATE TABLE IF NOT EXISTS gizmo_entry (
            module TEXT NOT NULL,
            key TEXT NOT NULL,
            kind SMALLINT NOT NULL,
            json TEXT,
            version BIGINT NOT NULL,
            last_seq BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (module, key)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS gizmo_item (
            module TEXT NOT NULL,
            key TEXT NOT NULL,
            seq BIGINT NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (module, key, seq)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS gizmo_module (
            module TEXT PRIMARY KEY,
            bytes BIGINT NOT NULL DEFAULT 0
        )
        """,
        // The key's row, locked; made (absent, version 0) when new, so two
        // writers of a new key wait for each other like writers of an old one.
        """
        CREATE OR REPLACE FUNCTION gizmo_lock_entry(p_module TEXT, p_key TEXT)
        RETURNS gizmo_entry LANGUAGE plpgsql AS $$
        DECLARE e gizmo_entry;
        BEGIN
            INSERT INTO gizmo_entry (module, key, kind, json, version, last_seq)
                VALUES (p_module, p_key, 0, NULL, 0, 0) ON CONFLICT DO NOTHING;
            SELECT * INTO e FROM gizmo_entry WHERE module = p_module AND key = p_key FOR UPDATE;
            RETURN e;
        END $$
        """,
        // The module's byte count after `delta`, locked; NULL when a growth
        // would pass `p_limit` (nothing is changed then).
        """
        CREATE OR REPLACE FUNCTION gizmo_add_bytes(p_module TEXT, p_delta BIGINT, p_limit BIGINT)
        RETURNS BIGINT LANGUAGE plpgsql AS $$
        DECLARE total BIGINT;
        BEGIN
            INSERT INTO gizmo_module (module, bytes) VALUES (p_module, 0) ON CONFLICT DO NOTHING;
            SELECT bytes INTO total FROM gizmo_module WHERE module = p_module FOR UPDATE;
            IF p_delta > 0 AND total + p_delta > p_limit THEN RETURN NULL; END IF;
            UPDATE gizmo_module SET bytes = total + p_delta WHERE module = p_module;
            RETURN total + p_delta;
        END $$
        """,
        // put: outcome 'written' (with the new version), 'conflict' or 'full'
        // (with the total it would have made).
        """
        CREATE OR REPLACE FUNCTION gizmo_put(p_module TEXT, p_key TEXT, p_json TEXT, p_if BIGINT,
                                             p_limit BIGINT, p_payload BIGINT)
        RETURNS TABLE (outcome TEXT, version BIGINT, total BIGINT) LANGUAGE plpgsql AS $$
        DECLARE
            e gizmo_entry;
            freed BIGINT;
            after BIGINT;
            notice JSONB;
        BEGIN
            e := gizmo_lock_entry(p_module, p_key);
            IF p_if IS NOT NULL AND p_if <> e.version THEN
                RETURN QUERY SELECT 'conflict'::TEXT, e.version, NULL::BIGINT; RETURN;
            END IF;
            freed := COALESCE(octet_length(e.json), 0);
            IF e.kind = 2 THEN
                freed := freed + COALESCE((SELECT SUM(octet_length(i.json)) FROM gizmo_item i
                                           WHERE i.module = p_module AND i.key = p_key), 0);
            END IF;
            after := gizmo_add_bytes(p_module, COALESCE(octet_length(p_json), 0) - freed, p_limit);
            IF after IS NULL THEN
                RETURN QUERY SELECT 'full'::TEXT, e.version,
                    (SELECT m.bytes FROM gizmo_module m WHERE m.module = p_module)
                        + COALESCE(octet_length(p_json), 0) - freed;
                RETURN;
            END IF;
            IF e.kind = 2 THEN
                DELETE FROM gizmo_item i WHERE i.module = p_module AND i.key = p_key;
            END IF;
            UPDATE gizmo_entry SET kind = CASE WHEN p_json IS NULL THEN 0 ELSE 1 END, json = p_json,
                version = e.version + 1
                WHERE gizmo_entry.module = p_module AND gizmo_entry.key = p_key;
            notice := jsonb_build_object('m', p_module, 'k', p_key, 'v', e.version + 1, 't', 'set', 'j', p_json);
            IF octet_length(notice::TEXT) > p_payload THEN
                notice := jsonb_build_object('m', p_module, 'k', p_key, 'v', e.version + 1, 't', 'set', 'big', true);
            END IF;
            PERFORM pg_notify('\(channel)', notice::TEXT);
            RETURN QUERY SELECT 'written'::TEXT, e.version + 1, after;
        END $$
        """,
        // append: outcome 'appended' (version, seq), 'wrongkind' or 'full'.
        """
        CREATE OR REPLACE FUNCTION gizmo_append(p_module TEXT, p_key TEXT, p_item TEXT, p_keep BIGINT,
                                                p_limit BIGINT, p_payload BIGINT)
        RETURNS TABLE (outcome TEXT, version BIGINT, seq BIGINT, total BIGINT) LANGUAGE plpgsql AS $$
        DECLARE
            e gizmo_entry;
            next_seq BIGINT;
            freed BIGINT;
            after BIGINT;
            notice JSONB;
        BEGIN
            e := gizmo_lock_entry(p_module, p_key);
            IF e.kind = 1 THEN
                RETURN QUERY SELECT 'wrongkind'::TEXT, e.version, e.last_seq, NULL::BIGINT; RETURN;
            END IF;
            next_seq := e.last_seq + 1;
            freed := COALESCE((SELECT SUM(octet_length(i.json)) FROM gizmo_item i
                               WHERE i.module = p_module AND i.key = p_key AND i.seq < next_seq - p_keep + 1), 0);
            after := gizmo_add_bytes(p_module, octet_length(p_item) - freed, p_limit);
            IF after IS NULL THEN
                RETURN QUERY SELECT 'full'::TEXT, e.version, e.last_seq,
                    (SELECT m.bytes FROM gizmo_module m WHERE m.module = p_module) + octet_length(p_item) - freed;
                RETURN;
            END IF;
            DELETE FROM gizmo_item i WHERE i.module = p_module AND i.key = p_key AND i.seq < next_seq - p_keep + 1;
            INSERT INTO gizmo_item (module, key, seq, json) VALUES (p_module, p_key, next_seq, p_item);
            UPDATE gizmo_entry SET kind = 2, json = NULL, version = e.version + 1, last_seq = next_seq
                WHERE gizmo_entry.module = p_module AND gizmo_entry.key = p_key;
            notice := jsonb_build_object('m', p_module, 'k', p_key, 'v', e.version + 1, 't', 'append',
                                         's', next_seq, 'keep', p_keep, 'j', p_item);
            IF octet_length(notice::TEXT) > p_payload THEN
                notice := jsonb_build_object('m', p_module, 'k', p_key, 'v', e.version + 1, 't', 'append',
                                             's', next_seq, 'keep', p_keep, 'big', true);
            END IF;
            PERFORM pg_notify('\(channel)', notice::TEXT);
            RETURN QUERY SELECT 'appended'::TEXT, e.version + 1, next_seq, after;
        END $$
        """,
    ]

    /// A key's contents in one statement (one snapshot): its entry and its
    /// list's items, oldest first.
    static let read = """
        SELECT e.kind, e.json, e.version, e.last_seq,
               (SELECT array_agg(i.json ORDER BY i.seq) FROM gizmo_item i
                WHERE i.module = e.module AND i.key = e.key) AS items
        FROM gizmo_entry e WHERE e.module = $1 AND e.key = $2
        """
}
