/* test-signaling.c - the pure parts of signaling: reading a WHEP player's
 * offer (dsl-sdp-offer), ICE servers as viewers are told of them
 * (dsl-ice-server), and WHEP paths (dsl-websocket-path). */
#include "signaling/dsl-sdp-offer.h"
#include "signaling/dsl-ice-server.h"
#include "server/dsl-websocket-path.h"

#include <string.h>

/* the shape of Chromium's recvonly offer: H.264 in several profiles and
 * packetization modes, the constrained baseline one last */
static const gchar chromium_offer[] =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 39 102 108 109\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:39 H264/90000\r\n"
    "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:108 H264/90000\r\n"
    "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:109 rtx/90000\r\n" "a=fmtp:109 apt=108\r\n";

static GstSDPMessage *
parse (const gchar * text)
{
  GstSDPMessage *offer = NULL;
  g_autofree gchar *error = NULL;

  g_assert_true (dsl_sdp_offer_parse (text, strlen (text), &offer, &error));
  g_assert_null (error);
  return offer;
}

static void
test_offer_parse (void)
{
  static const gchar *not_sdp[] = {
    "", "hello", "{\"type\":\"offer\"}", "v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\n"
        "m=video 9 RTP/AVP 96\r\n",
    "v=0\r\ns=-\r\n",           /* no origin, no media */
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n",        /* no media */
  };
  GstSDPMessage *offer = NULL;
  gchar *error = NULL;
  gchar *big;

  for (gsize i = 0; i < G_N_ELEMENTS (not_sdp); i++) {
    g_assert_false (dsl_sdp_offer_parse (not_sdp[i], strlen (not_sdp[i]),
            &offer, &error));
    g_assert_null (offer);
    g_assert_nonnull (error);
    g_clear_pointer (&error, g_free);
  }
  /* a NUL inside: libgstsdp would stop there */
  g_assert_false (dsl_sdp_offer_parse (chromium_offer,
          sizeof chromium_offer, &offer, &error));
  g_clear_pointer (&error, g_free);
  /* one byte over the limit */
  big = g_strnfill (DSL_SDP_OFFER_MAX_SIZE + 1, 'a');
  memcpy (big, chromium_offer, strlen (chromium_offer));
  g_assert_false (dsl_sdp_offer_parse (big, DSL_SDP_OFFER_MAX_SIZE + 1,
          &offer, &error));
  g_assert_nonnull (strstr (error, "larger"));
  g_clear_pointer (&error, g_free);
  g_free (big);

  offer = parse (chromium_offer);
  g_assert_true (dsl_sdp_offer_wants_video (offer, &error));
  g_assert_false (dsl_sdp_offer_has_data_channel (offer));
  gst_sdp_message_free (offer);
}

static void
test_offer_wants_video (void)
{
  static const gchar *head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  static const struct
  {
    const gchar *media;
    gboolean wanted;
  } cases[] = {
    {"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n", FALSE},
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendonly\r\n", FALSE},
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=inactive\r\n", FALSE},
    {"m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=recvonly\r\n", FALSE},
    {"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n", FALSE},
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=recvonly\r\n", TRUE},
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendrecv\r\n", TRUE},
    {"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n"
          "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n"
          "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n",
        TRUE},
    /* webrtcbin 1.22 takes no direction (the default, sendrecv) as none,
     * and rejects the section (found by fuzz-webrtcbin-offer) */
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n", FALSE},
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=recvonly\r\n"
          "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\n", FALSE},
    /* DTLS-SRTP only */
    {"m=video 9 RTP/AVP 96\r\na=mid:0\r\na=recvonly\r\n", FALSE},
    /* mids: each section one, none twice */
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=recvonly\r\n", FALSE},
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=recvonly\r\n"
          "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n",
        FALSE},
    /* webrtcbin binds our video to the first video section, whatever it
     * asks: a sendonly (or rejected) one first is no use */
    {"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendonly\r\n"
          "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n",
        FALSE},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *text = g_strconcat (head, cases[i].media, NULL);
    g_autofree gchar *error = NULL;
    GstSDPMessage *offer = parse (text);

    g_assert_cmpint (dsl_sdp_offer_wants_video (offer, &error), ==,
        cases[i].wanted);
    g_assert_true (cases[i].wanted == (error == NULL));
    gst_sdp_message_free (offer);
  }
  {
    /* one section of each kind at most (webrtcbin answers a second video
     * with the viewer's fingerprint, then refuses its own answer: found by
     * fuzz-webrtcbin-offer), and no other kind */
    static const gchar *extra[] = {
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n",
      "m=text 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (extra); i++) {
      g_autofree gchar *text = g_strconcat (head, "m=video 9 "
          "UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=recvonly\r\n", extra[i],
          NULL);
      g_autofree gchar *error = NULL;
      GstSDPMessage *offer = parse (text);

      g_assert_false (dsl_sdp_offer_wants_video (offer, &error));
      g_assert_nonnull (strstr (error, "at most one"));
      gst_sdp_message_free (offer);
    }
  }
  {
    /* candidates in the offer: each one an address ICE would check */
    GString *text = g_string_new (head);
    g_autofree gchar *error = NULL;
    GstSDPMessage *offer;

    g_string_append (text, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n"
        "a=recvonly\r\n");
    for (gint i = 0; i < DSL_SDP_OFFER_MAX_CANDIDATES; i++)
      g_string_append_printf (text, "a=candidate:%d 1 udp 1 10.0.%d.%d 9 "
          "typ host\r\n", i, i / 250, i % 250 + 1);
    offer = parse (text->str);
    g_assert_cmpuint (dsl_sdp_offer_count_candidates (offer), ==,
        DSL_SDP_OFFER_MAX_CANDIDATES);
    g_assert_true (dsl_sdp_offer_wants_video (offer, &error));
    gst_sdp_message_free (offer);
    g_string_append (text, "a=candidate:x 1 udp 1 10.9.9.9 9 typ host\r\n");
    offer = parse (text->str);
    g_assert_false (dsl_sdp_offer_wants_video (offer, &error));
    g_assert_nonnull (strstr (error, "ICE candidates"));
    gst_sdp_message_free (offer);
    g_string_free (text, TRUE);
  }
}

static void
test_offer_find_codec (void)
{
  GstSDPMessage *offer = parse (chromium_offer);
  g_autoptr (GstCaps) caps = NULL;
  gchar *error = NULL;
  guint pt = 0;

  g_assert_true (dsl_sdp_offer_find_codec (offer, "VP8", &pt, &caps, &error));
  g_assert_cmpuint (pt, ==, 96);
  g_assert_cmpstr (gst_structure_get_string (gst_caps_get_structure (caps, 0),
          "encoding-name"), ==, "VP8");
  gst_clear_caps (&caps);
  /* packetization-mode 1 only, constrained baseline first */
  g_assert_true (dsl_sdp_offer_find_codec (offer, "H264", &pt, NULL, &error));
  g_assert_cmpuint (pt, ==, 108);
  g_assert_false (dsl_sdp_offer_find_codec (offer, "VP9", &pt, NULL, &error));
  g_assert_nonnull (strstr (error, "VP9"));
  g_clear_pointer (&error, g_free);
  gst_sdp_message_free (offer);

  /* baseline when there is no constrained baseline; never mode 0 */
  {
    g_autofree gchar *text = g_strdup (chromium_offer);
    gchar *cb = strstr (text, "108 level-asymmetry-allowed=1;"
        "packetization-mode=1;profile-level-id=42e01f");

    memcpy (strstr (cb, "42e01f"), "64001f", 6);
    offer = parse (text);
    g_assert_true (dsl_sdp_offer_find_codec (offer, "H264", &pt, NULL,
            &error));
    g_assert_cmpuint (pt, ==, 102);
    gst_sdp_message_free (offer);
  }
  {
    /* a sign before the digits (g_ascii_strtoull takes it, and wraps) is
     * no payload type; nor are more than three digits */
    g_autofree gchar *text = g_strdup (chromium_offer);

    memcpy (strstr (text, " 96 97"), " -9 97", 6);
    memcpy (strstr (text, "a=rtpmap:96 "), "a=rtpmap:-9 ", 12);
    offer = parse (text);
    g_assert_false (dsl_sdp_offer_find_codec (offer, "VP8", &pt, NULL,
            &error));
    g_clear_pointer (&error, g_free);
    gst_sdp_message_free (offer);
  }
  {
    /* without level-asymmetry-allowed, libgstsdp names no profile: the
     * profile-level-id itself ranks them */
    g_autofree gchar *text = g_strdup (chromium_offer);
    gchar *p;

    while ((p = strstr (text, "level-asymmetry-allowed=1;")))
      memcpy (p, "x-dsl-unknown-parameter=1;", 26);
    offer = parse (text);
    g_assert_true (dsl_sdp_offer_find_codec (offer, "H264", &pt, NULL,
            &error));
    g_assert_cmpuint (pt, ==, 108);
    gst_sdp_message_free (offer);
  }
  {
    g_autofree gchar *text = g_strdup (chromium_offer);
    gchar *p;

    while ((p = strstr (text, "packetization-mode=1")))
      p[strlen ("packetization-mode=")] = '0';
    offer = parse (text);
    g_assert_false (dsl_sdp_offer_find_codec (offer, "H264", &pt, NULL,
            &error));
    g_assert_nonnull (strstr (error, "packetization-mode=1"));
    g_clear_pointer (&error, g_free);
    gst_sdp_message_free (offer);
  }
}

static void
test_ice_server (void)
{
  DslIceServer server = { 0 };

  g_assert_false (dsl_ice_server_parse (NULL, &server));
  g_assert_false (dsl_ice_server_parse ("", &server));
  g_assert_false (dsl_ice_server_parse ("http://example.com", &server));
  g_assert_false (dsl_ice_server_parse ("not a uri", &server));
  g_assert_true (dsl_ice_server_parse ("stun://stun.example.com:3478",
          &server));
  g_assert_cmpstr (server.url, ==, "stun:stun.example.com:3478");
  g_assert_null (server.username);
  dsl_ice_server_clear (&server);
  g_assert_true (dsl_ice_server_parse ("turn://user:pa%3Ass@10.0.0.1:3478",
          &server));
  g_assert_cmpstr (server.url, ==, "turn:10.0.0.1:3478?transport=udp");
  g_assert_cmpstr (server.username, ==, "user");
  g_assert_cmpstr (server.credential, ==, "pa:ss");
  dsl_ice_server_clear (&server);
  g_assert_true (dsl_ice_server_parse
      ("turns://u:p@[::1]:5349?transport=tcp", &server));
  g_assert_cmpstr (server.url, ==, "turns:[::1]:5349?transport=tcp");
  dsl_ice_server_clear (&server);
  g_assert_null (server.url);
}

static void
test_whep_paths (void)
{
  static const struct
  {
    const gchar *whep, *ws;
  } cases[] = {
    {"/whep", "/ws"}, {"/whep/", NULL}, {"/whep/cam1", "/ws/cam1"},
    {"/whep/a/b", "/ws/a/b"}, {"/whepx", NULL}, {"/wh", NULL}, {"/", NULL},
    {"", NULL}, {"/ws", NULL}, {"/whep-resource/1", NULL},
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *ws = dsl_websocket_path_from_whep (cases[i].whep);
    g_assert_cmpstr (ws, ==, cases[i].ws);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/signaling/offer/parse", test_offer_parse);
  g_test_add_func ("/signaling/offer/wants-video", test_offer_wants_video);
  g_test_add_func ("/signaling/offer/find-codec", test_offer_find_codec);
  g_test_add_func ("/signaling/ice-server", test_ice_server);
  g_test_add_func ("/signaling/whep-paths", test_whep_paths);
  return g_test_run ();
}
