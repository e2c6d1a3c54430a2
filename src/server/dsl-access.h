/* dsl-access.h - who may use the WebSocket Server: the Origin allow-list,
 * and viewer tokens (a static token, an application's authorization
 * listener, or both).
 *
 * With nothing set, everyone may (DSL's behaviour). Every function runs
 * with the main context held; the listener is called there too.
 */
#ifndef DSL_ACCESS_H
#define DSL_ACCESS_H

#include <libsoup/soup.h>
#include "DslApi.h"

G_BEGIN_DECLS

/* The cookie a page request with a valid ?token= gets, so that the page's
 * own files load; WebSocket upgrades never accept it (they need the token
 * itself, so no other site can use a visitor's cookie). */
#define DSL_ACCESS_TOKEN_COOKIE "dsl-token"
/* A Sec-WebSocket-Protocol entry "dsl-token.TOKEN" carries a token; the
 * client offers "dsl-webrtc" beside it, which the server then selects. */
#define DSL_ACCESS_PROTOCOL "dsl-webrtc"
#define DSL_ACCESS_TOKEN_PROTOCOL_PREFIX "dsl-token."

typedef struct _DslAccess DslAccess;

DslAccess *dsl_access_new (void);

/* An origin as browsers send it: scheme://host[:port] (http or https, no
 * path, no trailing slash), "null" (pages opened from disk), or "self"
 * (the server's own pages: the request's scheme and Host). FALSE for
 * anything else. Stored in lower case. */
gboolean dsl_access_add_origin (DslAccess * self, const gchar * origin);
void dsl_access_clear_origins (DslAccess * self);
/* Whether an upgrade without an Origin header (not a browser) passes a
 * set allow-list; TRUE by default. */
void dsl_access_set_origin_required (DslAccess * self, gboolean required);

/* NULL: no static token. */
void dsl_access_set_token (DslAccess * self, const gchar * token);
/* NULL: no listener. */
void dsl_access_set_listener (DslAccess * self,
    dsl_websocket_server_authorize_cb listener, gpointer client_data);

/* Logs, once a start, that every origin may connect when no list is set. */
void dsl_access_log_policy (DslAccess * self);

/* TRUE when msg's Origin (or its lack of one) passes the allow-list
 * (logged when it does not). */
gboolean dsl_access_origin_allowed (DslAccess * self, SoupServerMessage * msg);

/* The answer to a WebSocket upgrade on path (or a WHEP offer for it): SOUP_STATUS_NONE (go on),
 * SOUP_STATUS_FORBIDDEN (Origin) or SOUP_STATUS_UNAUTHORIZED (token). */
guint dsl_access_check_upgrade (DslAccess * self, SoupServerMessage * msg,
    const gchar * path, GHashTable * query);

/* The answer to a plain HTTP request: SOUP_STATUS_NONE or
 * SOUP_STATUS_UNAUTHORIZED. A request let in by its ?token= gets the
 * cookie. */
guint dsl_access_check_http (DslAccess * self, SoupServerMessage * msg,
    const gchar * path, GHashTable * query);

G_END_DECLS

#endif /* DSL_ACCESS_H */
