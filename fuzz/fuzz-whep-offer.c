/* fuzz-whep-offer.c - a WHEP viewer's offer, the body of its POST, exact
 * bytes (no NUL after them, as libsoup hands a body over) into
 * dsl_sdp_offer_parse, then what the endpoint and the session ask of an
 * accepted one: dsl_sdp_offer_count_candidates, dsl_sdp_offer_wants_video,
 * dsl_sdp_offer_find_codec for each codec we encode ("VP8", "H264",
 * "VP9") with the caps (and for one of them, by the input's size, without)
 * and dsl_sdp_offer_has_data_channel.
 *
 * Invariants, each against an independent reading of dsl-sdp-offer.h: an
 * accepted offer is v=0 with an origin and media, a refused one has a
 * reason (too large and NUL-holding bodies are refused); the candidates
 * are the a=candidate lines of the sections; wants_video holds exactly
 * for at most one audio, one video and one application section (no other
 * kind), DSL_SDP_OFFER_MAX_CANDIDATES candidates, every audio or video section
 * naming one direction, every section a mid of its own, and the first
 * video section not rejected (port 0) and receiving; a codec found is a
 * dynamic payload type of the first such section whose rtpmap names that
 * codec (H.264: packetization-mode 1, the best profile, the first of
 * equals), with its caps, and one is found whenever the section has one;
 * the data channel exactly when there is an m=application. Leaks count.
 */
#include "fuzz-support.h"
#include "signaling/dsl-sdp-offer.h"

#include <gst/gst.h>
#include <string.h>

static const gchar *const codecs[] = { "VP8", "H264", "VP9" };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static gboolean
has_attribute (const GstSDPMedia * media, const gchar * name)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    if (g_str_equal (gst_sdp_media_get_attribute (media, i)->key, name))
      return TRUE;
  return FALSE;
}

/* Exactly one direction attribute. */
static gboolean
has_direction (const GstSDPMedia * media)
{
  guint n = 0;

  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++) {
    const gchar *key = gst_sdp_media_get_attribute (media, i)->key;

    n += !g_strcmp0 (key, "sendrecv") || !g_strcmp0 (key, "recvonly")
        || !g_strcmp0 (key, "sendonly") || !g_strcmp0 (key, "inactive");
  }
  return n == 1;
}

/* The section we would send into: the first m=video, when it has a port
 * and its one direction is recvonly or sendrecv (webrtcbin
 * binds our video to the first video section, and takes no direction as
 * a rejection). */
static gint
receiving_video (const GstSDPMessage * sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

    if (g_strcmp0 (gst_sdp_media_get_media (media), "video") != 0)
      continue;
    if (gst_sdp_media_get_port (media) == 0 || has_attribute (media,
            "sendonly") || has_attribute (media, "inactive")
        || !has_direction (media)
        || g_strcmp0 (gst_sdp_media_get_proto (media), "UDP/TLS/RTP/SAVPF"))
      return -1;
    return (gint) i;
  }
  return -1;
}

/* At most one audio, one video and one application section, nothing
 * else, each with WebRTC's profile. */
static gboolean
one_of_each_kind (const GstSDPMessage * sdp)
{
  guint audio = 0, video = 0, application = 0;

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const gchar *kind = gst_sdp_media_get_media (gst_sdp_message_get_media
        (sdp, i));

    const gchar *proto = gst_sdp_media_get_proto (gst_sdp_message_get_media
        (sdp, i));

    if (!g_strcmp0 (kind, "audio"))
      audio++;
    else if (!g_strcmp0 (kind, "video"))
      video++;
    else if (!g_strcmp0 (kind, "application"))
      application++;
    else
      return FALSE;
    if (g_strcmp0 (proto, !g_strcmp0 (kind, "application") ?
            "UDP/DTLS/SCTP" : "UDP/TLS/RTP/SAVPF"))
      return FALSE;
    if (!g_strcmp0 (kind, "application")) {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

      if (gst_sdp_media_formats_len (media) != 1
          || g_strcmp0 (gst_sdp_media_get_format (media, 0),
              "webrtc-datachannel"))
        return FALSE;
    }
  }
  return audio <= 1 && video <= 1 && application <= 1;
}

/* Every audio or video section names a direction, and every section has
 * an a=mid of its own. */
static gboolean
well_formed_sections (const GstSDPMessage * sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
    const gchar *mid = gst_sdp_media_get_attribute_val (media, "mid");

    if (g_strcmp0 (gst_sdp_media_get_media (media), "application") != 0
        && !has_direction (media))
      return FALSE;
    if (!mid)
      return FALSE;
    for (guint j = 0; j < i; j++)
      if (!g_strcmp0 (gst_sdp_media_get_attribute_val
              (gst_sdp_message_get_media (sdp, j), "mid"), mid))
        return FALSE;
  }
  return TRUE;
}

/* The caps of a format of that section, or NULL when it is not a dynamic
 * payload type (two or three digits, no sign, 96..127) or has no
 * rtpmap. */
static GstCaps *
format_caps (const GstSDPMedia * media, const gchar * format)
{
  const gchar *digits = format;
  guint64 value;

  if (strlen (digits) < 2 || strlen (digits) > 3)
    return NULL;
  for (const gchar * c = digits; *c; c++)
    if (!g_ascii_isdigit (*c))
      return NULL;
  value = g_ascii_strtoull (digits, NULL, 10);
  if (value < 96 || value > 127)
    return NULL;
  return gst_sdp_media_get_caps_from_media (media, (gint) value);
}

/* What a format is worth for encoding_name: -1 unusable, else lower is
 * better (H.264: constrained baseline, baseline, another profile, none).
 * The profile is the name libgstsdp gives (it turns a profile-level-id
 * into one only next to level-asymmetry-allowed=1), else the
 * profile-level-id itself, as in dsl-sdp-offer.c. */
static gint
worth (const GstCaps * caps, const gchar * encoding_name)
{
  const GstStructure *s;
  const gchar *name, *profile, *id;
  gint rate = 0;

  if (!caps)
    return -1;
  s = gst_caps_get_structure (caps, 0);
  name = gst_structure_get_string (s, "encoding-name");
  if (!name || g_ascii_strcasecmp (name, encoding_name) != 0)
    return -1;
  if (!gst_structure_get_int (s, "clock-rate", &rate) || rate != 90000)
    return -1;
  if (strcmp (encoding_name, "H264") != 0)
    return 0;
  if (g_strcmp0 (gst_structure_get_string (s, "packetization-mode"), "1"))
    return -1;
  profile = gst_structure_get_string (s, "profile");
  if (profile) {
    if (strcmp (profile, "constrained-baseline") == 0)
      return 0;
    if (strcmp (profile, "baseline") == 0)
      return 1;
    return 2;
  }
  /* no name: the profile-level-id (profile_idc, constraint flags) */
  id = gst_structure_get_string (s, "profile-level-id");
  if (!id)
    return 3;
  if (strlen (id) == 6 && g_ascii_tolower (id[0]) == '4' && id[1] == '2') {
    gint flags = g_ascii_xdigit_value (id[2]);

    return flags >= 0 && (flags & 0x4) ? 0 : 1;
  }
  return 2;
}

static void
clear_caps (gpointer caps)
{
  if (caps)
    gst_caps_unref (caps);
}

/* formats: the caps of each format of the receiving video section (video,
 * or -1); without_caps: also ask without caps, which must agree. */
static void
check_codec (const GstSDPMessage * offer, gint video, GPtrArray * formats,
    const gchar * name, gboolean without_caps)
{
  const GstSDPMedia *media = video >= 0 ?
      gst_sdp_message_get_media (offer, video) : NULL;
  g_autofree gchar *error = NULL;
  g_autofree gchar *error2 = NULL;
  g_autoptr (GstCaps) caps = NULL;
  gint best = -1, best_worth = G_MAXINT;
  guint pt = 0, pt2 = 0;
  gboolean found, found2;

  /* the expected choice: the best worth, the first of equals */
  for (guint i = 0; i < formats->len; i++) {
    gint w = worth (formats->pdata[i], name);

    if (w >= 0 && w < best_worth) {
      best_worth = w;
      best = (gint) i;
    }
  }

  found = dsl_sdp_offer_find_codec (offer, name, &pt, &caps, &error);
  if (without_caps) {
    found2 = dsl_sdp_offer_find_codec (offer, name, &pt2, NULL, &error2);
    FUZZ_CHECK (found == found2 && (!found || pt == pt2) && !error == !error2,
        "%s: with and without caps differ", name);
  }
  if (!found) {
    FUZZ_CHECK (best < 0, "%s: not found, but format %s of section %d is one",
        name, gst_sdp_media_get_format (media, best), video);
    FUZZ_CHECK (error && g_utf8_validate (error, -1, NULL),
        "%s: refused without a reason", name);
    FUZZ_CHECK (!caps, "%s: caps without a codec", name);
    return;
  }
  FUZZ_CHECK (best >= 0, "%s: found payload type %u where there is none",
      name, pt);
  FUZZ_CHECK (!error, "%s: found, with an error", name);
  FUZZ_CHECK (pt == g_ascii_strtoull (gst_sdp_media_get_format (media, best),
          NULL, 10), "%s: payload type %u, expected %s", name, pt,
      gst_sdp_media_get_format (media, best));
  FUZZ_CHECK (caps && gst_caps_is_equal (caps, formats->pdata[best]),
      "%s: the caps are not those of payload type %u", name, pt);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree gchar *error = NULL;
  GstSDPMessage *offer = (GstSDPMessage *) 0x1;
  gboolean parsed, wants, expected, application = FALSE;
  g_autoptr (GPtrArray) formats = NULL;
  guint candidates = 0;
  gint video;

  /* the bytes as they are: anything read past them is ASan's */
  parsed = dsl_sdp_offer_parse ((const gchar *) data, size, &offer, &error);
  if (!parsed) {
    FUZZ_CHECK (offer == NULL, "refused, yet an offer");
    FUZZ_CHECK (error && g_utf8_validate (error, -1, NULL),
        "refused without a reason");
    return 0;
  }
  FUZZ_CHECK (offer && !error, "accepted, with an error");
  FUZZ_CHECK (size <= DSL_SDP_OFFER_MAX_SIZE, "accepted %zu bytes", size);
  FUZZ_CHECK (!memchr (data, 0, size), "accepted a NUL");
  FUZZ_CHECK (g_strcmp0 (gst_sdp_message_get_version (offer), "0") == 0,
      "accepted version %s", gst_sdp_message_get_version (offer));
  FUZZ_CHECK (gst_sdp_message_get_origin (offer)->sess_id != NULL,
      "accepted without an origin");
  FUZZ_CHECK (gst_sdp_message_medias_len (offer) > 0, "accepted no media");

  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, i);

    for (guint a = 0; a < gst_sdp_media_attributes_len (media); a++)
      candidates += g_strcmp0 (gst_sdp_media_get_attribute (media, a)->key,
          "candidate") == 0;
  }
  FUZZ_CHECK (dsl_sdp_offer_count_candidates (offer) == candidates,
      "count_candidates %u, expected %u",
      dsl_sdp_offer_count_candidates (offer), candidates);
  video = receiving_video (offer);
  expected = video >= 0 && well_formed_sections (offer)
      && one_of_each_kind (offer)
      && candidates <= DSL_SDP_OFFER_MAX_CANDIDATES;
  wants = dsl_sdp_offer_wants_video (offer, &error);
  FUZZ_CHECK (wants == expected, "wants_video %d, expected %d (%u sections, "
      "receiving video %d, %u candidates)", wants, expected,
      gst_sdp_message_medias_len (offer), video, candidates);
  FUZZ_CHECK (wants == !error && (!error || g_utf8_validate (error, -1,
              NULL)), "wants_video and its error disagree");

  /* each format's caps once (they are what costs) */
  formats = g_ptr_array_new_with_free_func (clear_caps);
  if (video >= 0) {
    const GstSDPMedia *media = gst_sdp_message_get_media (offer, video);

    for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
      g_ptr_array_add (formats, format_caps (media, gst_sdp_media_get_format
              (media, i)));
  }
  for (guint i = 0; i < G_N_ELEMENTS (codecs); i++)
    check_codec (offer, video, formats, codecs[i],
        i == size % G_N_ELEMENTS (codecs));

  for (guint i = 0; i < gst_sdp_message_medias_len (offer); i++)
    application |= g_strcmp0 (gst_sdp_media_get_media
        (gst_sdp_message_get_media (offer, i)), "application") == 0;
  FUZZ_CHECK (dsl_sdp_offer_has_data_channel (offer) == application,
      "has_data_channel is not %d", application);

  gst_sdp_message_free (offer);
  return 0;
}
