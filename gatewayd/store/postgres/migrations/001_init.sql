-- Records of every kind. The primary key's index serves Get and, as a range on key, List by prefix.
-- COLLATE "C": keys order by their bytes (code points), as List promises, whatever the database's
-- default collation. Plain CREATE (no IF NOT EXISTS) so that applying a migration twice fails loudly.
CREATE TABLE records (
	kind    text   COLLATE "C" NOT NULL,
	scope   text   COLLATE "C" NOT NULL,
	key     text   COLLATE "C" NOT NULL,
	version bigint NOT NULL CHECK (version > 0),
	data    bytea  NOT NULL,
	PRIMARY KEY (kind, scope, key)
);

-- DeleteScope removes a scope across kinds; the primary key cannot serve that.
CREATE INDEX records_scope ON records (scope);

-- time is RFC 3339 text with nanoseconds, as the entries carry them (timestamptz keeps microseconds).
CREATE TABLE audit (
	seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time      text   NOT NULL,
	actor     text   NOT NULL,
	remote    text   NOT NULL,
	method    text   NOT NULL,
	path      text   NOT NULL,
	status    bigint NOT NULL,
	result    text   NOT NULL,
	object_id text   NOT NULL
);
