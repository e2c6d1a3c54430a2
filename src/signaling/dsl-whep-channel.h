/* dsl-whep-channel.h - a WHEP viewer's signaling (draft-ietf-wish-whep):
 * the viewer's offer came in a POST, which waits (paused) until the
 * session answers, then gets 201 Created with the answer and every one of
 * our candidates (WHEP servers do not trickle), or the HTTP status of the
 * session's refusal. The viewer then trickles its candidates with PATCH
 * (application/trickle-ice-sdpfrag, RFC 8840) and leaves with DELETE on
 * the session's resource, its Location.
 *
 * Made and served by the WHEP endpoint (dsl-whep-endpoint.h).
 */
#ifndef DSL_WHEP_CHANNEL_H
#define DSL_WHEP_CHANNEL_H

#include <libsoup/soup.h>
#include "signaling/dsl-signaling-channel.h"

G_BEGIN_DECLS

#define DSL_TYPE_WHEP_CHANNEL (dsl_whep_channel_get_type ())
G_DECLARE_FINAL_TYPE (DslWhepChannel, dsl_whep_channel, DSL, WHEP_CHANNEL,
    DslSignalingChannel)

/* A trickle fragment larger than this is refused (413). */
#define DSL_WHEP_MAX_FRAGMENT (16 * 1024)

/* post: the POST, paused here until answered (its response headers may
 * already carry what every response gets: CORS); offer: parsed (taken);
 * path: the WebSocket path it maps to; location: the resource's path. */
DslSignalingChannel *dsl_whep_channel_new (SoupServerMessage * post,
    GstSDPMessage * offer, const gchar * path, const gchar * location);

const gchar *dsl_whep_channel_get_location (DslWhepChannel * self);

/* A PATCH's trickle fragment: the HTTP status to answer (204, or 400,
 * 422 for an ICE restart, which we do not do), and a sentence for an
 * error status. */
guint dsl_whep_channel_patch (DslWhepChannel * self, const gchar * fragment,
    gsize length, gchar ** reason);

/* A DELETE: the viewer leaves. */
void dsl_whep_channel_delete (DslWhepChannel * self);

/* TRUE once a DELETE ended it. */
gboolean dsl_whep_channel_is_deleted (DslWhepChannel * self);

G_END_DECLS

#endif /* DSL_WHEP_CHANNEL_H */
