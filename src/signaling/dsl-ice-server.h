/* dsl-ice-server.h - a STUN or TURN server as a viewer is told of it (an
 * RTCIceServer: a URL, and for TURN a username and credential), from the
 * URI webrtcbin takes: stun://host:port, turn(s)://user:password@host:port
 * with ?transport=udp|tcp. The DSL protocol's offer ("iceServers") and
 * WHEP's Link headers both say it. Pure: any thread. */
#ifndef DSL_ICE_SERVER_H
#define DSL_ICE_SERVER_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *url;          /* "stun:host:port", "turn:host:port?transport=udp" */
  gchar *username;     /* TURN only, else NULL */
  gchar *credential;   /* TURN only, else NULL */
} DslIceServer;

/* FALSE (server untouched) for NULL, "" or a URI it cannot read. */
gboolean dsl_ice_server_parse (const gchar * uri, DslIceServer * server);
void dsl_ice_server_clear (DslIceServer * server);

G_END_DECLS

#endif /* DSL_ICE_SERVER_H */
