/* dsl-http-content.h - what the WebSocket Server answers to plain HTTP
 * requests outside its WebSocket paths: the built-in viewer page, the
 * files of an application's folder, or nothing (404).
 */
#ifndef DSL_HTTP_CONTENT_H
#define DSL_HTTP_CONTENT_H

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _DslHttpContent DslHttpContent;

/* Starts with the built-in viewer page. Lives as long as the server
 * singleton, that is, as long as the process. */
DslHttpContent *dsl_http_content_new (void);

/* NULL: the built-in page; "": nothing; else a folder that must exist.
 * Returns FALSE (and logs) for a folder that does not exist. */
gboolean dsl_http_content_set_root (DslHttpContent * self,
    const gchar * folder);

typedef enum
{
  DSL_HTTP_NOT_FOUND,
  DSL_HTTP_RESOURCE,           /* a file of the built-in page (GResource) */
  DSL_HTTP_FILE,               /* a regular file inside the folder */
} DslHttpResolution;

/* Which content answers the (decoded) request path. Reads nothing but
 * file metadata (realpath, stat), so it is fuzzed on its own. *name
 * (g_free) gets the resource path, or the file's resolved absolute path,
 * which never lies outside the folder; NULL for NOT_FOUND. */
DslHttpResolution dsl_http_content_resolve (DslHttpContent * self,
    const gchar * path, gchar ** name);

/* Answers msg for the (decoded) request path. */
void dsl_http_content_serve (DslHttpContent * self, SoupServerMessage * msg,
    const gchar * path);

G_END_DECLS

#endif /* DSL_HTTP_CONTENT_H */
