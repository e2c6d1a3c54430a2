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

static gboolean
media_receives_video (const GstSDPMedia * media)
{
  const gchar *kind = gst_sdp_media_get_media (media);

  if (!kind || !g_str_equal (kind, "video") || gst_sdp_media_get_port (media)
      == 0)
    return FALSE;
  /* the default is sendrecv; sendonly and inactive want nothing of us */
  return !gst_sdp_media_get_attribute_val (media, "sendonly")
      && !gst_sdp_media_get_attribute_val (media, "inactive");
}

static const GstSDPMedia *
first_video (const GstSDPMessage * offer)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);

    if (media_receives_video (media))
      return media;
  }
  return NULL;
}

gboolean
dsl_sdp_offer_wants_video (const GstSDPMessage * offer, gchar ** error)
{
  g_return_val_if_fail (offer != NULL, FALSE);
  if (gst_sdp_message_medias_len (offer) > DSL_SDP_OFFER_MAX_MEDIA) {
    *error = g_strdup_printf ("the offer has more than %d media sections",
        DSL_SDP_OFFER_MAX_MEDIA);
    return FALSE;
  }
  if (dsl_sdp_offer_count_candidates (offer) > DSL_SDP_OFFER_MAX_CANDIDATES) {
    *error = g_strdup_printf ("the offer has more than %d ICE candidates",
        DSL_SDP_OFFER_MAX_CANDIDATES);
    return FALSE;
  }
  if (!first_video (offer)) {
    *error = g_strdup ("the offer has no video section to receive "
        "(m=video, recvonly or sendrecv)");
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

  if (!mode || !g_str_equal (mode, "1"))
    return G_MAXINT;
  if (!profile)
    return 3;
  if (g_str_equal (profile, "constrained-baseline"))
    return 0;
  if (g_str_equal (profile, "baseline"))
    return 1;
  return 2;
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
    gchar *end = NULL;
    guint64 pt = g_ascii_strtoull (format, &end, 10);
    GstCaps *found;
    const GstStructure *s;
    const gchar *name;
    gint rank;

    /* dynamic payload types only: ours are 96..127 */
    if (!end || *end || end == format || pt < 96 || pt > 127)
      continue;
    found = gst_sdp_media_get_caps_from_media (media, (gint) pt);
    if (!found)
      continue;
    s = gst_caps_get_structure (found, 0);
    name = gst_structure_get_string (s, "encoding-name");
    rank = G_MAXINT;
    if (name && !g_ascii_strcasecmp (name, encoding_name))
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
