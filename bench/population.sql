-- Background population for bench/run.sh --population N (psql -v n=N).
-- The ONLY data the benchmark writes without going through the server's endpoints: N live grants of
-- the development client, spread over 1,000 synthetic users, each with one live token pair. The token
-- ids behind the stored SHA-256 digests are never known, so these tokens can never be used: they are
-- there to make the tables and indexes the size of a large installation.
SET client_min_messages = warning;
SET synchronous_commit = off;   -- this bulk load only; the server's own sessions keep the default

INSERT INTO users (id, username, display_name, email, active, is_admin, password_hash, created_at, updated_at)
SELECT gen_random_uuid(), 'bench-user-' || i, 'Bench user ' || i, 'bench' || i || '@localhost', true, false,
       'unusable', now(), now()
FROM generate_series(1, 1000) AS i
ON CONFLICT DO NOTHING;

CREATE TEMP TABLE bench_users AS
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM users WHERE username LIKE 'bench-user-%';

CREATE TEMP TABLE bench_grants AS
SELECT i, gen_random_uuid() AS grant_id, gen_random_uuid() AS pair_id,
       (SELECT id FROM clients WHERE name = 'CrowdOAuth development client') AS client_pk
FROM generate_series(1, :n) AS i;

INSERT INTO grants (id, client_pk, user_id, scope, created_at, last_used_at)
SELECT g.grant_id, g.client_pk, u.id, 'USER', now() - interval '1 day', now() - interval '1 hour'
FROM bench_grants g JOIN bench_users u ON u.n = g.i % 1000;

-- each grant's first (and live) pair: generation 1, the generation a grant starts at
INSERT INTO token_pairs (grant_id, generation, access_hash, refresh_hash, scope, created_at, access_expires_at, refresh_expires_at)
SELECT g.grant_id, 1,
       sha256(('bench-access-' || g.pair_id)::bytea), sha256(('bench-refresh-' || g.pair_id)::bytea),
       'USER', now() - interval '1 hour', now() + interval '1 hour', now() + interval '89 days'
FROM bench_grants g;

VACUUM ANALYZE users;
VACUUM ANALYZE grants;
VACUUM ANALYZE token_pairs;
CHECKPOINT;
