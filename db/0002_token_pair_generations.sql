-- Rotation without updating the rotated pair (issue 8: refresh throughput with a million live grants).
--
-- Before: a rotation updated the presented pair (rotated_at, replaced_by) and inserted its successor.
-- rotated_at is in the predicate of the partial unique index, so that update could never be HOT: it
-- wrote new entries into every index of token_pairs, three of them on random keys (id, access_hash,
-- refresh_hash), on top of the successor's own. With a large table those are random B-tree pages,
-- each a full-page image in the WAL after every checkpoint.
--
-- After: each pair of a grant has a generation (1, 2, ...), and the grant row holds the generation of
-- its live pair. A rotation bumps grants.generation (a HOT update: the column is in no index) and
-- inserts the next generation; the rotated pair is not written at all. A pair is live when its
-- generation is its grant's and the grant is unrevoked (and it is unexpired, and its user active).
-- "A grant never has more than one live pair" is now the primary key (grant_id, generation), and
-- "one refresh token, one rotation" the conditional update of the grant row.
-- rotated_from is the generation whose refresh token produced the pair (for the reuse grace window).
-- Revoking a grant no longer marks its pairs: the grant's revoked_at is the one place that says so.

ALTER TABLE grants ADD COLUMN generation integer NOT NULL DEFAULT 1 CHECK (generation >= 1);
-- Room on each page for the new row version of a rotation, so that it stays on the page (HOT).
ALTER TABLE grants SET (fillfactor = 90);

ALTER TABLE token_pairs ADD COLUMN generation integer, ADD COLUMN rotated_from integer;

-- Existing pairs: numbered per grant in the order they were issued.
UPDATE token_pairs p SET generation = n.generation
FROM (SELECT id, row_number() OVER (PARTITION BY grant_id ORDER BY created_at, id) AS generation FROM token_pairs) n
WHERE n.id = p.id;
-- A pair's predecessor is the one whose replaced_by names it.
UPDATE token_pairs p SET rotated_from = prev.generation
FROM token_pairs prev WHERE prev.replaced_by = p.id;

-- A grant's generation: its live pair's; a grant without one (revoked, or never redeemed) points past
-- its newest pair, so that none of them is live.
UPDATE grants g SET generation = coalesce(
    (SELECT p.generation FROM token_pairs p WHERE p.grant_id = g.id AND p.rotated_at IS NULL AND p.revoked_at IS NULL),
    (SELECT max(p.generation) + 1 FROM token_pairs p WHERE p.grant_id = g.id),
    1);
-- A pair revoked on its own (the superseded successor of a grace-window repeat) while its grant lives
-- on is not live: its grant points at the live pair, or past the newest when no pair is live.

ALTER TABLE token_pairs ALTER COLUMN generation SET NOT NULL;
ALTER TABLE token_pairs ADD CONSTRAINT token_pairs_generation_positive CHECK (generation >= 1);
ALTER TABLE token_pairs ADD CONSTRAINT token_pairs_rotated_from_earlier CHECK (rotated_from < generation);

DROP INDEX token_pairs_one_live_per_grant;
DROP INDEX token_pairs_grant_idx;
ALTER TABLE token_pairs DROP CONSTRAINT token_pairs_pkey;
ALTER TABLE token_pairs DROP COLUMN id, DROP COLUMN rotated_at, DROP COLUMN replaced_by, DROP COLUMN revoked_at;
ALTER TABLE token_pairs ADD PRIMARY KEY (grant_id, generation);
