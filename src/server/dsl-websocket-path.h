/* dsl-websocket-path.h - the WebSocket paths a server serves: which paths
 * an application may add, and whether a request path is one of them.
 *
 * Pure functions over strings, so they can be fuzzed on their own.
 */
#ifndef DSL_WEBSOCKET_PATH_H
#define DSL_WEBSOCKET_PATH_H

#include <glib.h>

G_BEGIN_DECLS

#define DSL_WEBSOCKET_PATH_DEFAULT "/ws"
#define DSL_WEBSOCKET_PATH_MAX 1024

typedef struct _DslWebsocketPaths DslWebsocketPaths;

/* A set holding the default path "/ws". */
DslWebsocketPaths *dsl_websocket_paths_new (void);
void dsl_websocket_paths_free (DslWebsocketPaths * self);

/* Checks a path an application wants to add: it must start with "/ws/",
 * have a name after it, be an RFC 3986 path and hold at most
 * DSL_WEBSOCKET_PATH_MAX bytes. Returns the percent-decoded path
 * (g_free), or NULL when it is not valid. */
gchar *dsl_websocket_path_check (const gchar * path);

/* Adds a decoded path (from dsl_websocket_path_check); FALSE when it is
 * there already. */
gboolean dsl_websocket_paths_add (DslWebsocketPaths * self,
    const gchar * decoded);

/* TRUE when the (decoded) request path is exactly one of the set. */
gboolean dsl_websocket_paths_contains (DslWebsocketPaths * self,
    const gchar * request_path);

/* WHEP: the endpoint of every WebSocket path. */
#define DSL_WHEP_PATH "/whep"

/* The WebSocket path a WHEP endpoint path stands for: "/whep" -> "/ws",
 * "/whep/NAME" -> "/ws/NAME" (g_free), or NULL for anything else. Whether
 * that path is served is dsl_websocket_paths_contains's to say. */
gchar *dsl_websocket_path_from_whep (const gchar * whep_path);

/* The paths in the order added ("/ws" first); NULL-terminated, owned by
 * the set. */
const gchar *const *dsl_websocket_paths_list (DslWebsocketPaths * self);

G_END_DECLS

#endif /* DSL_WEBSOCKET_PATH_H */
