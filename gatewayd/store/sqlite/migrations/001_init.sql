-- Records of every kind. The primary key's index serves Get and, as a range on key, List by prefix.
-- Plain CREATE (no IF NOT EXISTS) so that applying a migration twice fails loudly.
CREATE TABLE records (
	kind    TEXT    NOT NULL,
	scope   TEXT    NOT NULL,
	key     TEXT    NOT NULL,
	version INTEGER NOT NULL CHECK (version > 0),
	data    BLOB    NOT NULL,
	PRIMARY KEY (kind, scope, key)
) STRICT;

-- DeleteScope removes a scope across kinds; the primary key cannot serve that.
CREATE INDEX records_scope ON records (scope);

-- AUTOINCREMENT so that sequence numbers are never reused, even after old entries are pruned.
CREATE TABLE audit (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	time      TEXT    NOT NULL,
	actor     TEXT    NOT NULL,
	remote    TEXT    NOT NULL,
	method    TEXT    NOT NULL,
	path      TEXT    NOT NULL,
	status    INTEGER NOT NULL,
	result    TEXT    NOT NULL,
	object_id TEXT    NOT NULL
) STRICT;
