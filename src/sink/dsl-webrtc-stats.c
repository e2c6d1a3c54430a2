/* dsl-webrtc-stats.c */
#include "sink/dsl-webrtc-stats.h"
#include "core/dsl-log.h"

#include <gst/webrtc/webrtc.h>
#include <string.h>

#define GST_CAT_DEFAULT dsl_session_debug

static const gchar *const candidate_types[] = {
  [DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN] = "unknown",
  [DSL_WEBRTC_CANDIDATE_TYPE_HOST] = "host",
  [DSL_WEBRTC_CANDIDATE_TYPE_SRFLX] = "srflx",
  [DSL_WEBRTC_CANDIDATE_TYPE_PRFLX] = "prflx",
  [DSL_WEBRTC_CANDIDATE_TYPE_RELAY] = "relay",
};

guint
dsl_webrtc_stats_candidate_type (const gchar * name)
{
  for (guint i = 1; name && i < G_N_ELEMENTS (candidate_types); i++)
    if (g_str_equal (name, candidate_types[i]))
      return i;
  return DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN;
}

const gchar *
dsl_webrtc_stats_candidate_type_name (guint type)
{
  return type < G_N_ELEMENTS (candidate_types) ? candidate_types[type] :
      candidate_types[0];
}

/* The member of reply named id, if it is a stats structure. */
static const GstStructure *
find_stats (const GstStructure * reply, const gchar * id)
{
  const GValue *value;

  if (!id || !(value = gst_structure_get_value (reply, id))
      || !GST_VALUE_HOLDS_STRUCTURE (value))
    return NULL;
  return gst_value_get_structure (value);
}

static GstWebRTCStatsType
stats_type (const GstStructure * s)
{
  GstWebRTCStatsType type = 0;

  gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL);
  return type;
}

static guint64
get_u64 (const GstStructure * s, const gchar * field)
{
  guint64 v64 = 0;
  guint v = 0;
  gint i = 0;

  if (gst_structure_get_uint64 (s, field, &v64))
    return v64;
  if (gst_structure_get_uint (s, field, &v))
    return v;
  if (gst_structure_get_int (s, field, &i) && i > 0)
    return (guint64) i;
  return 0;
}

/* The type of one candidate of the selected pair. The pair's ids say
 * which side each is; GStreamer 1.22 gives each candidate's own stats the
 * other side's stats type (its test of the "local"/"remote" tag is
 * inverted), so that type is not read. */
static guint
candidate_type (const GstStructure * reply, const gchar * id)
{
  const GstStructure *c = find_stats (reply, id);

  return c ? dsl_webrtc_stats_candidate_type (gst_structure_get_string (c,
          "candidate-type")) : DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN;
}

static void
parse_pair (const GstStructure * reply, const gchar * pair_id,
    dsl_webrtc_viewer_stats * stats)
{
  const GstStructure *pair = find_stats (reply, pair_id);

  if (!pair)
    return;
  stats->local_candidate_type = candidate_type (reply,
      gst_structure_get_string (pair, "local-candidate-id"));
  stats->remote_candidate_type = candidate_type (reply,
      gst_structure_get_string (pair, "remote-candidate-id"));
}

void
dsl_webrtc_stats_parse (const GstStructure * reply,
    dsl_webrtc_viewer_stats * stats)
{
  gint n = gst_structure_n_fields (reply);

  memset (stats, 0, sizeof *stats);
  stats->round_trip_time = -1;
  for (gint i = 0; i < n; i++) {
    const GstStructure *s = find_stats (reply,
        gst_structure_nth_field_name (reply, i));
    gdouble rtt;

    if (!s)
      continue;
    switch (stats_type (s)) {
      case GST_WEBRTC_STATS_OUTBOUND_RTP:
        stats->bytes_sent += get_u64 (s, "bytes-sent");
        stats->packets_sent += get_u64 (s, "packets-sent");
        stats->packets_retransmitted += get_u64 (s,
            "retransmitted-packets-sent");
        stats->nack_count += get_u64 (s, "nack-count");
        break;
      case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
        stats->packets_lost += get_u64 (s, "packets-lost");
        if (gst_structure_get_double (s, "round-trip-time", &rtt))
          stats->round_trip_time = rtt;
        break;
      case GST_WEBRTC_STATS_TRANSPORT:
        parse_pair (reply, gst_structure_get_string (s,
                "selected-candidate-pair-id"), stats);
        break;
      case GST_WEBRTC_STATS_CANDIDATE_PAIR:
        if (stats->local_candidate_type == DSL_WEBRTC_CANDIDATE_TYPE_UNKNOWN)
          parse_pair (reply, gst_structure_nth_field_name (reply, i), stats);
        break;
      default:
        break;
    }
  }
}
