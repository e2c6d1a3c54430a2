/* dsl-webrtc-stats.h - one viewer's figures, read from webrtcbin's
 * "get-stats" reply (the W3C webrtc-stats names, as GStreamer 1.22 gives
 * them). Parsing is pure: it runs on webrtcbin's thread, where the reply
 * arrives, and takes any structure (defaults for what is missing). */
#ifndef DSL_WEBRTC_STATS_H
#define DSL_WEBRTC_STATS_H

#include <gst/gst.h>
#include "DslApi.h"

G_BEGIN_DECLS

/* Fills stats from a get-stats reply, all but connected, bitrate and
 * key_frame_requests (the session knows those; webrtcbin 1.22 counts no
 * PLI or FIR in its stats). Fields the reply lacks keep their defaults (0,
 * round_trip_time -1, candidate types UNKNOWN). */
void dsl_webrtc_stats_parse (const GstStructure * reply,
    dsl_webrtc_viewer_stats * stats);

/* "host", "srflx", "prflx", "relay" -> DSL_WEBRTC_CANDIDATE_TYPE_*. */
guint dsl_webrtc_stats_candidate_type (const gchar * name);
const gchar *dsl_webrtc_stats_candidate_type_name (guint type);

G_END_DECLS

#endif /* DSL_WEBRTC_STATS_H */
