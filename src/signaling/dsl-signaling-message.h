/* dsl-signaling-message.h - DSL's JSON signaling protocol.
 *
 * Every message is a JSON object {"type": ..., "data": {...}}:
 *   server -> client  {"type":"sdp","data":{"type":"offer","sdp":"..."}}
 *                     {"type":"ice","data":{"candidate":"...","sdpMLineIndex":0}}
 *                     {"type":"error","data":{"message":"..."}}   (extension)
 *   client -> server  {"type":"sdp","data":{"type":"answer","sdp":"..."}}
 *                     {"type":"ice","data":{"candidate":"...","sdpMLineIndex":0,...}}
 */
#ifndef DSL_SIGNALING_MESSAGE_H
#define DSL_SIGNALING_MESSAGE_H

#include <gst/sdp/sdp.h>

G_BEGIN_DECLS

/* Far above any real SDP (a few KiB): a larger message is closed with
 * 1009. */
#define DSL_SIGNALING_MAX_MESSAGE (256 * 1024)

/* DSL's messages nest three levels deep; deeper input is refused before
 * it reaches json-glib's recursive parser. */
#define DSL_SIGNALING_MAX_DEPTH 32

/* Per connection: a real viewer sends one answer and a few dozen
 * candidates, and makes no mistakes. Beyond these, candidates are refused
 * (each one would have ICE send checks to an address the client chose),
 * and a client that keeps sending malformed messages is closed with 1008
 * instead of being answered for ever. */
#define DSL_SIGNALING_MAX_CANDIDATES 100
#define DSL_SIGNALING_MAX_ERRORS 64

typedef enum
{
  DSL_SIGNALING_ANSWER,
  DSL_SIGNALING_ICE,
} DslSignalingType;

typedef struct
{
  DslSignalingType type;
  GstSDPMessage *sdp;          /* ANSWER: parsed, owned */
  gchar *candidate;            /* ICE: owned; "" is end-of-candidates */
  guint mline_index;           /* ICE */
} DslSignalingMessage;

/* Parses a client message. On failure returns FALSE and sets *error to a
 * sentence for the client's error reply. */
gboolean dsl_signaling_message_parse (const gchar * text, gsize length,
    DslSignalingMessage * message, gchar ** error);
void dsl_signaling_message_clear (DslSignalingMessage * message);

/* Server messages, as compact JSON text (g_free). */
/* The offer, with the STUN and TURN servers (webrtcbin's URIs, or NULL)
 * and the transport policy as RTCConfiguration members for a browser
 * (extension: "iceServers", "iceTransportPolicy"). */
gchar *dsl_signaling_message_offer (const GstSDPMessage * sdp,
    const gchar * stun_server, const gchar * turn_server, gboolean relay_only);
gchar *dsl_signaling_message_ice (guint mline_index, const gchar * candidate);
gchar *dsl_signaling_message_error (const gchar * message);

G_END_DECLS

#endif /* DSL_SIGNALING_MESSAGE_H */
