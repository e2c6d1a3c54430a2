/* dsl-sdp-offer.c - see dsl-sdp-offer.h */
#include "signaling/dsl-sdp-offer.h"

#include <stdlib.h>
#include <string.h>

gboolean
dsl_sdp_offer_parse (const gchar * text, gsize length, GstSDPMessage ** offer,
    gchar ** error)
{
  GstSDPMessage *sdp = NULL;
  const gchar *version;

  *offer = NULL;
  if (length > DSL_SDP_OFFER_MAX_SIZE) {
    *error = g_strdup_printf ("the offer is larger than %d bytes",
        DSL_SDP_OFFER_MAX_SIZE);
    return FALSE;
  }
  /* libgstsdp reads up to a NUL and takes nearly anything: the checks
   * below say whether it was SDP */
  if (length == 0 || memchr (text, '\0', length)
      || gst_sdp_message_new (&sdp) != GST_SDP_OK
      || gst_sdp_message_parse_buffer ((const guint8 *) text, length, sdp)
      != GST_SDP_OK) {
    if (sdp)
      gst_sdp_message_free (sdp);
    *error = g_strdup ("the body is not an SDP offer");
    return FALSE;
  }
  version = gst_sdp_message_get_version (sdp);
  if (!version || !g_str_equal (version, "0")
      || !gst_sdp_message_get_origin (sdp)->sess_id
      || gst_sdp_message_medias_len (sdp) == 0) {
    gst_sdp_message_free (sdp);
    *error = g_strdup ("the body is not an SDP offer (v=0, o= and an m= "
        "line are needed)");
    return FALSE;
  }
  *offer = sdp;
  return TRUE;
}

static const gchar *const directions[] = {
  "sendrecv", "recvonly", "sendonly", "inactive"
};

/* The direction a section names, or NULL for none or several. webrtcbin
 * 1.22 takes the default (sendrecv) as no direction and rejects the
 * section, so exactly one is needed. */
static const gchar *
media_direction (const GstSDPMedia * media)
{
  const gchar *found = NULL;

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const gchar *key = gst_sdp_media_get_attribute (media, i)->key;

    for (gsize d = 0; d < G_N_ELEMENTS (directions); d++)
      if (!g_strcmp0 (key, directions[d])) {
        if (found)
          return NULL;
        found = directions[d];
      }
  }
  return found;
}

static gboolean
is_kind (const GstSDPMedia * media, const gchar * kind)
{
  return !g_strcmp0 (gst_sdp_media_get_media (media), kind);
}

/* webrtcbin binds our transceiver to the first video section, whatever it
 * asks: that one must want our video. */
static const GstSDPMedia *
first_video (const GstSDPMessage * offer)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
    const gchar *direction;

    if (!is_kind (media, "video"))
      continue;
    direction = media_direction (media);
    /* DTLS-SRTP, the only profile WebRTC has */
    if (gst_sdp_media_get_port (media) == 0 || !direction
        || g_strcmp0 (gst_sdp_media_get_proto (media), "UDP/TLS/RTP/SAVPF")
        || !(g_str_equal (direction, "recvonly")
            || g_str_equal (direction, "sendrecv")))
      return NULL;
    return media;
  }
  return NULL;
}

gboolean
dsl_sdp_offer_wants_video (const GstSDPMessage * offer, gchar ** error)
{
  g_return_val_if_fail (offer != NULL, FALSE);
  {
    /* each kind with the one profile WebRTC gives it */
    static const gchar *const kinds[][2] = {
      {"audio", "UDP/TLS/RTP/SAVPF"}, {"video", "UDP/TLS/RTP/SAVPF"},
      {"application", "UDP/DTLS/SCTP"},
    };
    guint seen[G_N_ELEMENTS (kinds)] = { 0 };

    for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
      const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
      const gchar *kind = gst_sdp_media_get_media (media);
      gsize k = 0;

      while (k < G_N_ELEMENTS (kinds) && g_strcmp0 (kind, kinds[k][0]))
        k++;
      if (k == G_N_ELEMENTS (kinds) || seen[k]++) {
        *error = g_strdup_printf ("section %u: at most one audio, one video "
            "and one data channel section can be answered", i);
        return FALSE;
      }
      if (g_strcmp0 (gst_sdp_media_get_proto (media), kinds[k][1])) {
        *error = g_strdup_printf ("section %u: the profile must be %s", i,
            kinds[k][1]);
        return FALSE;
      }
      if (k == 2 && (gst_sdp_media_formats_len (media) != 1
              || g_strcmp0 (gst_sdp_media_get_format (media, 0),
                  "webrtc-datachannel"))) {
        *error = g_strdup_printf ("section %u: a data channel section is "
            "\"webrtc-datachannel\"", i);
        return FALSE;
      }
    }
  }
  if (dsl_sdp_offer_count_candidates (offer) > DSL_SDP_OFFER_MAX_CANDIDATES) {
    *error = g_strdup_printf ("the offer has more than %d ICE candidates",
        DSL_SDP_OFFER_MAX_CANDIDATES);
    return FALSE;
  }
  /* what webrtcbin 1.22 cannot answer well: a media section without a
   * direction (it rejects it, fingerprint and all, then refuses its own
   * answer), or mids missing or twice */
  {
    g_autoptr (GHashTable) mids = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
      const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);
      const gchar *mid = gst_sdp_media_get_attribute_val (media, "mid");

      if (!is_kind (media, "application") && !media_direction (media)) {
        *error = g_strdup_printf ("section %u does not name one direction "
            "(a=recvonly, a=sendrecv, ...)", i);
        return FALSE;
      }
      if (!mid || !g_hash_table_add (mids, (gpointer) mid)) {
        *error = g_strdup_printf ("section %u has %s a=mid", i, mid ?
            "the same" : "no");
        return FALSE;
      }
    }
  }
  if (!first_video (offer)) {
    *error = g_strdup ("the offer's first video section does not want to "
        "receive (m=video with a port, UDP/TLS/RTP/SAVPF, a=recvonly or "
        "a=sendrecv)");
    return FALSE;
  }
  return TRUE;
}

/* Lower is better; G_MAXINT: unusable. libgstsdp reads the
 * profile-level-id into a "profile" name. */
static gint
h264_rank (const GstStructure * s)
{
  const gchar *mode = gst_structure_get_string (s, "packetization-mode");
  const gchar *profile = gst_structure_get_string (s, "profile");
  const gchar *id = gst_structure_get_string (s, "profile-level-id");

  if (!mode || !g_str_equal (mode, "1"))
    return G_MAXINT;
  if (profile)
    return g_str_equal (profile, "constrained-baseline") ? 0 :
        g_str_equal (profile, "baseline") ? 1 : 2;
  /* not named (no level-asymmetry-allowed beside it): the hex id itself,
   * profile_idc 0x42 with constraint_set1 (0x40) for constrained */
  if (id && strlen (id) == 6 && !g_ascii_strncasecmp (id, "42", 2)) {
    gint constraints = g_ascii_xdigit_value (id[2]);

    return constraints >= 0 && (constraints & 0x4) ? 0 : 1;
  }
  return id ? 2 : 3;
}

/* Two or three digits, nothing else. */
static gboolean
is_payload_type (const gchar * format)
{
  gsize length = strlen (format);

  if (length < 2 || length > 3)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (format[i]))
      return FALSE;
  return TRUE;
}

gboolean
dsl_sdp_offer_find_codec (const GstSDPMessage * offer,
    const gchar * encoding_name, guint * payload_type, GstCaps ** caps,
    gchar ** error)
{
  const GstSDPMedia *media;
  GstCaps *best = NULL;
  gint best_rank = G_MAXINT;
  guint best_pt = 0;

  g_return_val_if_fail (offer != NULL && encoding_name != NULL, FALSE);
  if (!(media = first_video (offer))) {
    *error = g_strdup ("the offer has no video section to receive");
    return FALSE;
  }
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++) {
    const gchar *format = gst_sdp_media_get_format (media, i);
    guint64 pt = 0;
    GstCaps *found;
    const GstStructure *s;
    const gchar *name;
    gint rank, clock_rate = 0;

    /* dynamic payload types only, as digits (g_ascii_strtoull would take
     * a sign, and wrap): ours are 96..127 */
    if (!is_payload_type (format))
      continue;
    pt = g_ascii_strtoull (format, NULL, 10);
    if (pt < 96 || pt > 127)
      continue;
    found = gst_sdp_media_get_caps_from_media (media, (gint) pt);
    if (!found)
      continue;
    s = gst_caps_get_structure (found, 0);
    name = gst_structure_get_string (s, "encoding-name");
    rank = G_MAXINT;
    /* video RTP runs at 90 kHz: another rate is not what we send */
    if (name && !g_ascii_strcasecmp (name, encoding_name)
        && gst_structure_get_int (s, "clock-rate", &clock_rate)
        && clock_rate == 90000)
      rank = g_str_equal (encoding_name, "H264") ? h264_rank (s) : 0;
    if (rank < best_rank) {
      gst_clear_caps (&best);
      best = found;
      best_rank = rank;
      best_pt = (guint) pt;
    } else {
      gst_caps_unref (found);
    }
  }
  if (!best) {
    *error = g_strdup_printf ("the offer has no %s%s to receive", encoding_name,
        g_str_equal (encoding_name, "H264") ? " with packetization-mode=1" :
        "");
    return FALSE;
  }
  *payload_type = best_pt;
  if (caps)
    *caps = best;
  else
    gst_caps_unref (best);
  return TRUE;
}

guint
dsl_sdp_offer_count_candidates (const GstSDPMessage * offer)
{
  guint count = 0;

  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);

    for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++)
      if (!g_strcmp0 (gst_sdp_media_get_attribute (media, a)->key,
              "candidate"))
        count++;
  }
  return count;
}

gboolean
dsl_sdp_offer_has_data_channel (const GstSDPMessage * offer)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const gchar *kind = gst_sdp_media_get_media (gst_sdp_message_get_media
        (offer, i));

    if (kind && g_str_equal (kind, "application"))
      return TRUE;
  }
  return FALSE;
}
