-- 0001: the whole model of the API contract (spec §1, §7, §8).
-- Token, code and client-secret columns hold SHA-256 digests only (32 bytes), never the value.
-- Deleting a client removes its codes, grants and tokens (ON DELETE CASCADE along client -> grant -> tokens).

CREATE TABLE users (
    id              uuid        PRIMARY KEY,
    username        text        NOT NULL CHECK (length(username) BETWEEN 1 AND 255 AND username = btrim(username)),
    display_name    text        NOT NULL CHECK (length(display_name) <= 255),
    email           text        NOT NULL DEFAULT '' CHECK (length(email) <= 255),
    active          boolean     NOT NULL DEFAULT true,
    is_admin        boolean     NOT NULL DEFAULT false,
    password_hash   text        NOT NULL CHECK (length(password_hash) > 0),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- Usernames are unique case-insensitively (spec §1).
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));

-- A registered client ("incoming application link" in Crowd).
CREATE TABLE clients (
    id              uuid        PRIMARY KEY,
    client_id       text        NOT NULL UNIQUE CHECK (client_id ~ '^[0-9a-f]{32}$'),
    name            text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 255),
    client_type     text        NOT NULL DEFAULT 'confidential' CHECK (client_type IN ('confidential', 'public')),
    secret_hash     bytea       NULL CHECK (secret_hash IS NULL OR octet_length(secret_hash) = 32),
    redirect_uris   text[]      NOT NULL CHECK (cardinality(redirect_uris) >= 1),
    scope           text        NOT NULL CHECK (scope ~ '^(USER|SYSTEM_ADMIN)( (USER|SYSTEM_ADMIN))*$'),
    introspect      boolean     NOT NULL DEFAULT false,
    user_key        text        NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- A confidential client has a secret; a public client has none.
    CONSTRAINT clients_secret_matches_type CHECK ((client_type = 'confidential') = (secret_hash IS NOT NULL))
);

-- What one authorization (one consent, one code) produces. Every token pair belongs to one grant.
CREATE TABLE grants (
    id              uuid        PRIMARY KEY,
    client_pk       uuid        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope           text        NOT NULL CHECK (scope ~ '^(USER|SYSTEM_ADMIN)( (USER|SYSTEM_ADMIN))*$'),
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz NULL,
    revoked_at      timestamptz NULL,
    revoked_reason  text        NULL
);
CREATE INDEX grants_client_pk_idx ON grants (client_pk);
CREATE INDEX grants_user_live_idx ON grants (user_id) WHERE revoked_at IS NULL;

CREATE TABLE authorization_codes (
    code_hash             bytea       PRIMARY KEY CHECK (octet_length(code_hash) = 32),
    grant_id              uuid        NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    client_pk             uuid        NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id               uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri          text        NOT NULL,
    scope                 text        NOT NULL,
    code_challenge        text        NULL CHECK (code_challenge IS NULL OR code_challenge ~ '^[A-Za-z0-9._~-]{43,128}$'),
    code_challenge_method text        NULL CHECK (code_challenge_method IN ('S256', 'plain')),
    created_at            timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL,
    consumed_at           timestamptz NULL,
    CONSTRAINT authorization_codes_challenge_pair CHECK ((code_challenge IS NULL) = (code_challenge_method IS NULL)),
    CONSTRAINT authorization_codes_expiry CHECK (expires_at > created_at)
);
CREATE INDEX authorization_codes_expires_idx ON authorization_codes (expires_at);
CREATE INDEX authorization_codes_grant_idx ON authorization_codes (grant_id);

-- One row per issued pair: the access token and the refresh token issued together.
-- A pair is live while neither rotated_at nor revoked_at is set.
CREATE TABLE token_pairs (
    id                  uuid        PRIMARY KEY,
    grant_id            uuid        NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    access_hash         bytea       NOT NULL UNIQUE CHECK (octet_length(access_hash) = 32),
    refresh_hash        bytea       NOT NULL UNIQUE CHECK (octet_length(refresh_hash) = 32),
    scope               text        NOT NULL CHECK (scope ~ '^(USER|SYSTEM_ADMIN)( (USER|SYSTEM_ADMIN))*$'),
    created_at          timestamptz NOT NULL,
    access_expires_at   timestamptz NOT NULL,
    refresh_expires_at  timestamptz NOT NULL,
    rotated_at          timestamptz NULL,
    replaced_by         uuid        NULL,
    revoked_at          timestamptz NULL,
    CONSTRAINT token_pairs_expiry CHECK (access_expires_at > created_at AND refresh_expires_at > created_at)
);
-- A grant never has more than one live pair, whatever races (spec §4).
CREATE UNIQUE INDEX token_pairs_one_live_per_grant ON token_pairs (grant_id) WHERE rotated_at IS NULL AND revoked_at IS NULL;
CREATE INDEX token_pairs_grant_idx ON token_pairs (grant_id);
CREATE INDEX token_pairs_refresh_expires_idx ON token_pairs (refresh_expires_at);

-- HS256 signing keys shared by every node (spec §8). Exactly one key signs; every listed,
-- unretired key verifies. The key material must be usable, so it is stored as is: protect the database.
CREATE TABLE signing_keys (
    kid             text        PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9_-]{1,64}$'),
    secret          bytea       NOT NULL CHECK (octet_length(secret) >= 32),
    created_at      timestamptz NOT NULL,
    activated_at    timestamptz NULL,
    retired_at      timestamptz NULL
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true)) WHERE activated_at IS NOT NULL AND retired_at IS NULL;

-- ASP.NET Core Data Protection key ring, shared by every node.
CREATE TABLE data_protection_keys (
    id              bigserial   PRIMARY KEY,
    friendly_name   text        NOT NULL UNIQUE,
    xml             text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_events (
    id              bigserial   PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    actor           text        NOT NULL,
    action          text        NOT NULL,
    target          text        NULL,
    details         jsonb       NULL,
    remote_address  text        NULL
);
CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at);

-- Counters that must hold across nodes: failed logins and failed client authentication (fixed windows).
CREATE TABLE throttle_counters (
    key             text        NOT NULL,
    window_start    timestamptz NOT NULL,
    hits            integer     NOT NULL CHECK (hits >= 0),
    PRIMARY KEY (key, window_start)
);
CREATE INDEX throttle_counters_window_idx ON throttle_counters (window_start);
