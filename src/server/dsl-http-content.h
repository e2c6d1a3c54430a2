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

/* Answers msg for the (decoded) request path. */
void dsl_http_content_serve (DslHttpContent * self, SoupServerMessage * msg,
    const gchar * path);

G_END_DECLS

#endif /* DSL_HTTP_CONTENT_H */
