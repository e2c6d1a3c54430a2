/* dsl-whep-endpoint.h - WHEP (draft-ietf-wish-whep) on the WebSocket
 * Server's port: for every served WebSocket path an endpoint a standard
 * WHEP player can use ("/ws" -> POST /whep, "/ws/NAME" -> POST /whep/NAME),
 * and the session resources its answers name (/whep-resource/ID: PATCH to
 * trickle, DELETE to leave). Every request gets a definite answer:
 *
 *   POST     201 + answer + Location | 400 not SDP | 401 token | 403 origin
 *            | 404 no such path | 413 over DSL_SDP_OFFER_MAX_SIZE | 415 not
 *            application/sdp | 422 no video we can send | 503 no sink free
 *   PATCH    204 | 400 | 404 no such resource | 413 | 415 | 422 ICE restart
 *   DELETE   200 | 404
 *   OPTIONS  204 with CORS for an allowed Origin | 403
 *   others   405 with Allow
 *
 * The Origin allow-list and the viewer token apply as to a WebSocket
 * upgrade (the token as Authorization: Bearer, or ?token=); a resource's
 * unguessable Location is its own credential. Every function runs with
 * the main context held.
 */
#ifndef DSL_WHEP_ENDPOINT_H
#define DSL_WHEP_ENDPOINT_H

#include <libsoup/soup.h>
#include "signaling/dsl-signaling-channel.h"
#include "server/dsl-access.h"
#include "server/dsl-connection-guard.h"
#include "server/dsl-websocket-path.h"

G_BEGIN_DECLS

#define DSL_WHEP_RESOURCE_PATH "/whep-resource"

/* The server takes a new WHEP viewer (calls its client listeners and
 * hands it to a transceiver): FALSE when nobody can take it now (503). */
typedef gboolean (*DslWhepViewerFunc) (SoupServerMessage * msg,
    DslSignalingChannel * channel, gpointer data);

typedef struct _DslWhepEndpoint DslWhepEndpoint;

/* Serves DSL_WHEP_PATH (and below) and DSL_WHEP_RESOURCE_PATH on soup,
 * for the paths in paths. Everything passed is borrowed and outlives it. */
DslWhepEndpoint *dsl_whep_endpoint_new (SoupServer * soup,
    DslWebsocketPaths * paths, DslAccess * access, DslConnectionGuard * guard,
    DslWhepViewerFunc take_viewer, gpointer data);

/* Live WHEP sessions (for tests and metrics). */
guint dsl_whep_endpoint_get_sessions (DslWhepEndpoint * self);

G_END_DECLS

#endif /* DSL_WHEP_ENDPOINT_H */
