-- DropIndex
DROP INDEX "Customer_lastSeenAt_idx";

-- CreateIndex
CREATE INDEX "Customer_lastSeenAt_id_idx" ON "Customer"("lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "ChannelIdentity_externalId_idx" ON "ChannelIdentity"("externalId");

-- Admin name search (hand-written: Prisma does not know these objects).
-- A name's tokens are every character and every pair of neighbouring characters (lower-cased), and a GIN
-- index over them finds a search text of two or more characters through its pairs and one character
-- through itself, so Chinese names (often two characters) are found by any part, which pg_trgm cannot do
-- for a two-character text. Search verifies candidates against the names (src/store/customer-search.ts).
CREATE FUNCTION rapport_name_grams(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_agg(DISTINCT g) FROM (
    SELECT substr(lower(name), i, 1) AS g FROM generate_series(1, length(name)) AS i
    UNION ALL
    SELECT substr(lower(name), i, 2) FROM generate_series(1, length(name) - 1) AS i
  ) AS grams
$$;

-- The tokens a search text must all have: its pairs, or the character itself.
CREATE FUNCTION rapport_search_grams(q text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN length(q) = 1 THEN ARRAY[lower(q)]
    ELSE (SELECT array_agg(DISTINCT substr(lower(q), i, 2)) FROM generate_series(1, length(q) - 1) AS i) END
$$;

CREATE INDEX "Customer_name_search_idx" ON "Customer" USING gin (rapport_name_grams("displayName"));
CREATE INDEX "ChannelIdentity_name_search_idx" ON "ChannelIdentity" USING gin (rapport_name_grams("displayName"));
