#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro Swift cannot import: bind helpers that make SQLite copy the bytes. */
static inline int cimbase_sqlite3_bind_text_copy(sqlite3_stmt *s, int i, const char *text, int n) {
    return sqlite3_bind_text(s, i, text, n, SQLITE_TRANSIENT);
}
static inline int cimbase_sqlite3_bind_blob_copy(sqlite3_stmt *s, int i, const void *blob, int n) {
    return sqlite3_bind_blob(s, i, blob, n, SQLITE_TRANSIENT);
}
/* The caller keeps the bytes alive until the statement is stepped or reset. */
static inline int cimbase_sqlite3_bind_blob_static(sqlite3_stmt *s, int i, const void *blob, int n) {
    return sqlite3_bind_blob(s, i, blob, n, SQLITE_STATIC);
}
