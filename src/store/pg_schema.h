/* pg_schema.h — the PostgreSQL schema of the store: the migrations of sqlite.c, version for
 * version, in PostgreSQL's DDL (pg_schema.c), and the function that applies them. */
#ifndef PL_STORE_PG_SCHEMA_H
#define PL_STORE_PG_SCHEMA_H

#include "store/db.h"

extern const char *const pl_pg_migrations[];
extern const int pl_pg_migration_count;

/* store.c's migration driver (pl_store__migrate) on pl_pg_schema: brings the database of db
 * to pl_pg_migration_count, all missing versions in one write transaction (DDL is transactional in
 * PostgreSQL; the write lock keeps two starting processes from racing). *version (may be NULL) gets
 * the version found before. A database newer than this plumb is refused. */
int pl_pg_migrate(struct pl_db *db, const char *module, int *version, struct pl_err *err);

/* True when the database's collation orders text by code point, as SQLite's BINARY does
 * (C, POSIX, C.UTF-8); logs a warning otherwise (store.c calls it at open). */
bool pl_pg_collation_is_c(struct pl_db *db);

#endif
