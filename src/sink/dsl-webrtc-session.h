/* dsl-webrtc-session.h - one viewer of a WebRTC Sink: its signaling
 * channel (a WebSocket where we offer, or a WHEP session where the viewer
 * offers and we answer with the payload type it chose), and a
 * fresh `queue ! payloader ! webrtcbin` branch on its shared stream's tee
 * of encoded video: its own payload type, SSRC and retransmissions, and a
 * leaky queue, so a viewer that falls behind drops (then waits for a key
 * frame) and never holds the others back.
 *
 * A session is reference-counted: the sink holds one reference, and every
 * piece of work handed over from webrtcbin's threads holds another, so
 * late callbacks find a closed session, never a freed one. All functions
 * run on the main context; webrtcbin callbacks only post work to it.
 */
#ifndef DSL_WEBRTC_SESSION_H
#define DSL_WEBRTC_SESSION_H

#include <gst/gst.h>
#include "signaling/dsl-signaling-channel.h"
#include "stream/dsl-shared-stream.h"
#include "DslApi.h"

G_BEGIN_DECLS

typedef struct _DslWebrtcSession DslWebrtcSession;

typedef struct
{
  const gchar *stun_server;      /* or NULL */
  const gchar *turn_server;      /* or NULL */
} DslWebrtcSessionConfig;

/* Called on the main context when the session failed (ICE/DTLS failure,
 * no answer in time); the session closes itself right after. */
typedef void (*DslWebrtcSessionFailedFunc) (DslWebrtcSession * session,
    gpointer user_data);
/* Called on the main context once the session is closed, whoever closed
 * it. Called once. */
typedef void (*DslWebrtcSessionClosedFunc) (DslWebrtcSession * session,
    gpointer user_data);

/* Builds the branch inside the stream's bin, links it to its tee, counts
 * itself as one of its viewers until it is torn down, and starts listening
 * to its signaling channel. The callbacks get user_data, which must outlive the
 * session's open life (the owner closes the session before it goes). */
DslWebrtcSession *dsl_webrtc_session_new (const gchar * name,
    DslSignalingChannel * signaling, DslSharedStream * stream,
    const DslWebrtcSessionConfig * config,
    DslWebrtcSessionFailedFunc failed, DslWebrtcSessionClosedFunc closed,
    gpointer user_data);

/* Closes the signaling channel with code and reason and starts taking the branch
 * down (it is gone once it is off the tee and webrtcbin's operations are
 * over, without waiting here); calls the closed callback. Does nothing if
 * already closed. */
void dsl_webrtc_session_close (DslWebrtcSession * self, gushort code,
    const gchar * reason);

/* The label of every viewer's data channel, opened in the first offer. */
#define DSL_WEBRTC_METADATA_CHANNEL "dsl-metadata"

/* Sends data (a text message if text, else binary) on the viewer's
 * metadata channel without waiting; FALSE (and the message dropped) when
 * the channel is not open yet or more than 256 KiB wait to be sent. */
gboolean dsl_webrtc_session_send_metadata (DslWebrtcSession * self,
    GBytes * data, gboolean text);

/* The latest statistics (read every second); FALSE once closed. */
gboolean dsl_webrtc_session_get_stats (DslWebrtcSession * self,
    dsl_webrtc_viewer_stats * stats);

DslWebrtcSession *dsl_webrtc_session_ref (DslWebrtcSession * self);
void dsl_webrtc_session_unref (DslWebrtcSession * self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DslWebrtcSession, dsl_webrtc_session_unref)

/* The ICE settings every new session uses (extension service).
 * addresses: comma-separated local IP addresses for host candidates
 * (NULL or "": all interfaces); ports: 0, 0 for any. Returns FALSE for an
 * entry that is not an IP address or a bad range. */
gboolean dsl_webrtc_session_set_ice_config (const gchar * addresses,
    guint min_port, guint max_port);

/* Extension: every new session gathers and uses relay (TURN) candidates
 * only. */
void dsl_webrtc_session_set_relay_only (gboolean relay_only);
gboolean dsl_webrtc_session_get_relay_only (void);

/* Generates the process's DTLS certificate and loads the plugins now
 * (about 0.2 s, once), so the first viewer does not wait for it. */
void dsl_webrtc_session_prewarm (void);

G_END_DECLS

#endif /* DSL_WEBRTC_SESSION_H */
